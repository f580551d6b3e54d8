/**
 * One training run in the extension: the job (core/training/trainJob.ts) with its
 * progress in a notification and in the Training panel, Cancel from either, and at the
 * end the validated model's actions. Everything slow runs in child processes; the host
 * only relays events.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingEpochPoint, TrainingViewState } from '../../shared/trainingProtocol';
import { TrainingError } from '../../core/training/errors';
import type { TrainEvent } from '../../core/training/trainEvents';
import { type TrainJobResult, type TrainSettings, runTrainJob } from '../../core/training/trainJob';
import type { ExtensionServices } from '../services';
import { setModelPath } from '../settings';
import { epochMessage, percent } from './progressText';
import { TrainingPanel } from './trainingPanel';
import { validateInProcess } from './validateInProcess';

export interface SessionOptions {
  folder: string;
  settings: TrainSettings;
  resume: boolean;
  python: string;
  trainingRoot: string;
  checkpointsRoot: string;
}

const COMPARE_COMMAND = 'rcnnLens.compareWith';

const pct = percent;

export class TrainingSession implements vscode.Disposable {
  readonly panel: TrainingPanel;
  private readonly controller = new AbortController();
  private view: TrainingViewState;

  constructor(
    private readonly services: ExtensionServices,
    private readonly o: SessionOptions,
  ) {
    this.panel = TrainingPanel.create(services, o.folder);
    this.panel.onCancel(() => this.cancel());
    const from = o.settings.from === 'none' ? 'scratch' : path.basename(o.settings.from);
    this.view = { folder: o.folder, status: 'preparing', message: o.resume ? 'Resuming the cancelled training…' : 'Reading the folder…', counts: {}, from, epochs: [] };
    this.panel.update(this.view);
  }

  cancel(): void {
    this.controller.abort();
  }

  private update(patch: Partial<TrainingViewState>): void {
    this.view = { ...this.view, ...patch };
    this.panel.update(this.view);
  }

  private onEvent(e: TrainEvent, report: (message: string, increment?: number) => void): void {
    if (e.event === 'start') {
      this.update({ status: 'running', message: 'Training…' });
    } else if (e.event === 'epoch') {
      const point: TrainingEpochPoint = { epoch: e.epoch, epochs: e.epochs, loss: e.loss, valAcc: Number.isFinite(e.val_acc) ? e.val_acc : null, etaS: e.eta_s };
      const message = epochMessage(e);
      this.update({ status: 'running', message, epochs: [...this.view.epochs.filter((p) => p.epoch < e.epoch), point] });
      report(message, 100 / e.epochs);
    } else if (e.event === 'step' && typeof e.step === 'number' && typeof e.steps === 'number') {
      // Between epochs (an epoch can take minutes): the notification moves, the panel waits for the epoch.
      const loss = typeof e.loss === 'number' ? `, loss ${e.loss.toFixed(3)}` : '';
      report(`Epoch ${String(e.epoch)}: step ${e.step}/${e.steps}${loss}`);
    } else if (e.event === 'done') {
      this.update({ status: 'validating', message: 'Checking the exported model against the RCNN Lens contract…', result: { model: e.model, valAcc: Number.isFinite(e.val_acc) ? e.val_acc : null, labels: e.labels, confusion: e.confusion } });
      report('checking the model…');
    }
  }

  /** Runs the job; resolves when it has ended, however it ended (the outcome is shown, not thrown). */
  async run(): Promise<TrainJobResult | undefined> {
    const { services, o } = this;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `RCNN Lens: training on ${path.basename(o.folder)}`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => this.cancel());
          const report = (message: string, increment?: number) => progress.report({ message, increment });
          return runTrainJob({
            ...o.settings,
            folder: o.folder,
            python: o.python,
            trainingRoot: o.trainingRoot,
            checkpointsRoot: o.checkpointsRoot,
            resume: o.resume,
            validate: (file) => validateInProcess(services.distPath('validateModel.js'), file),
            signal: this.controller.signal,
            onManifest: (m) => {
              const counts: Record<string, number> = Object.fromEntries(m.classes.map((c) => [c, 0]));
              for (const it of m.items) counts[it.label]++;
              this.update({ counts, message: `Starting Python: loading ${m.items.length} images…` });
            },
            onEvent: (e) => this.onEvent(e, report),
            onLog: (line) => services.output.info(`trainer: ${line}`),
          });
        },
      );
      this.update({ status: 'done', message: `Done: ${result.model.path} (validation accuracy ${pct(result.done.val_acc)}), checked against the RCNN Lens contract.` });
      services.output.info(`training: wrote ${result.model.path} (${result.model.labels.length} classes, validation accuracy ${pct(result.done.val_acc)}, ${result.seconds.toFixed(0)} s)`);
      void this.offerActions(result);
      return result;
    } catch (err) {
      this.reportFailure(err);
      return undefined;
    }
  }

  private reportFailure(err: unknown): void {
    const e = err instanceof TrainingError ? err : new TrainingError('failed', (err as Error).message);
    if (e.code === 'cancelled') {
      const kept = !!e.details.checkpoint;
      this.update({ status: 'cancelled', message: kept ? 'Cancelled. The checkpoint is kept: run Train Model on Folder again to resume.' : 'Cancelled.' });
      this.services.output.info(`training: cancelled${kept ? `; checkpoint ${String(e.details.checkpoint)}` : ''}`);
      return;
    }
    this.update({ status: 'failed', message: e.message });
    this.services.output.error(`training failed (${e.code}): ${e.message}${Object.keys(e.details).length ? ` ${JSON.stringify(e.details)}` : ''}`);
    void vscode.window.showErrorMessage(`RCNN Lens: training failed: ${e.message}`, 'Show Log').then((c) => c && this.services.output.show(true));
  }

  private async offerActions(result: TrainJobResult): Promise<void> {
    const actions = ['Use this model', 'Label the folder with it'];
    if ((await vscode.commands.getCommands(true)).includes(COMPARE_COMMAND)) actions.push('Compare with the current model');
    const choice = await vscode.window.showInformationMessage(
      `RCNN Lens: trained ${path.basename(result.model.path)} on ${path.basename(this.o.folder)}: validation accuracy ${pct(result.done.val_acc)}.`,
      ...actions,
    );
    const model = result.model.path;
    if (choice === 'Use this model') {
      await setModelPath(model);
    } else if (choice === 'Label the folder with it') {
      await setModelPath(model);
      await vscode.commands.executeCommand('rcnnLens.labelFolder', vscode.Uri.file(this.o.folder));
    } else if (choice === 'Compare with the current model') {
      // The new model (B) against the current one (A); the image picker starts in the trained folder.
      await vscode.commands.executeCommand(COMPARE_COMMAND, vscode.Uri.file(model), vscode.Uri.file(this.o.folder));
    }
  }

  dispose(): void {
    this.cancel();
  }
}
