/**
 * Label Folder: a progress notification with count, rate, ETA and Cancel; decoding and
 * inference run in worker processes, so the host stays responsive. One run per folder;
 * disposing the command cancels the runs in progress.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LockedError } from '../../core/folder/lock';
import { CancelledError, ForeignOutputError } from '../../core/labeling/errors';
import { runLabelJob } from '../../core/labeling/run';
import type { LabelSummary } from '../../core/labeling/types';
import { type OutputSpec, OutputPathError } from '../../core/labelsFile/outputs';
import { assertWritableOutputs } from '../../core/labelsFile/read';
import { formatOf } from '../../core/labelsFile/records';
import { type LabelModelChoice, PrecisionError, chooseLabelModel } from '../../core/model/variants';
import { CUDA_LIBS_ENV } from '../../core/runtime/cudaLibraries';
import type { ExtensionServices } from '../services';
import { labelPrecisionSetting, labelScanSettings, maxPixelsSetting, topKSetting } from '../settings';
import { Disposable } from '../util/disposable';
import { LAST_RUN_KEY, type LastRun, cfg, outputsFor, pickFolder, registerReportingCommand } from './batchCommandSupport';
import { progressMessage } from './progressMessage';
import type { ReviewPanels } from './reviewPanels';

export class LabelFolderCommand extends Disposable {
  /** The runs in progress, by folder. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly services: ExtensionServices,
    private readonly reviews: ReviewPanels,
  ) {
    super();
    this._register({ dispose: () => [...this.running.values()].forEach((c) => c.abort()) });
    this._register(registerReportingCommand(services, 'rcnnLens.labelFolder', 'Label Folder', (arg) => this.run(arg)));
  }

  isRunning(folder: string): boolean {
    return this.running.has(folder);
  }

  private log(line: string): void {
    this.services.output.info(`label: ${line}`);
  }

  async run(arg?: unknown): Promise<void> {
    const folder = await pickFolder(arg, 'Label Folder');
    if (!folder) return;
    if (this.running.has(folder)) {
      void vscode.window.showWarningMessage(`RCNN Lens is already labeling ${path.basename(folder)}. Cancel that run first or wait for it to finish.`);
      return;
    }
    const target = await this.chooseOutputs(folder);
    if (!target) return;
    const model = this.services.currentModel();
    let labelModel: LabelModelChoice;
    try {
      labelModel = await chooseLabelModel(model.modelPath, labelPrecisionSetting(), model.provider);
    } catch (e) {
      if (!(e instanceof PrecisionError)) throw e;
      void vscode.window.showErrorMessage(e.message);
      return;
    }
    const controller = new AbortController();
    this.running.set(folder, controller);
    const name = path.basename(folder);
    this.log(`labeling ${folder} with ${labelModel.modelPath}${labelModel.cpuVariantPath ? ` (on the CPU: ${labelModel.cpuVariantPath})` : ''} (${model.provider})`);
    try {
      const summary = await this.label(folder, target, labelModel, model, controller);
      await this.finished(folder, summary);
    } catch (err) {
      this.failed(folder, err);
    } finally {
      this.running.delete(folder);
    }
  }

  /** The configured outputs, or another file when one is not ours and the user says so; undefined: stop. */
  private async chooseOutputs(folder: string): Promise<{ outputs: OutputSpec[]; force: boolean } | undefined> {
    let outputs: OutputSpec[];
    try {
      outputs = outputsFor(folder);
    } catch (err) {
      if (err instanceof OutputPathError) {
        void vscode.window.showErrorMessage(err.message);
        return undefined;
      }
      throw err;
    }
    try {
      await assertWritableOutputs(outputs);
      return { outputs, force: false };
    } catch (err) {
      if (!(err instanceof ForeignOutputError)) throw err;
      const choice = await vscode.window.showWarningMessage(
        `${path.basename(err.file)} already exists in ${path.basename(folder)} and was not written by RCNN Lens.`,
        { modal: true, detail: 'Overwrite it, or write the labels to another file?' },
        'Overwrite',
        'Save As…',
      );
      if (choice === 'Overwrite') return { outputs, force: true };
      if (choice === 'Save As…') return this.saveAs(folder);
      return undefined;
    }
  }

  private async saveAs(folder: string): Promise<{ outputs: OutputSpec[]; force: boolean } | undefined> {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(folder, 'rcnn-labels.jsonl')),
      filters: { 'JSON Lines': ['jsonl'], CSV: ['csv'] },
    });
    if (!uri) return undefined;
    const outputs = [{ file: uri.fsPath, format: formatOf(uri.fsPath) }];
    try {
      await assertWritableOutputs(outputs);
    } catch (e) {
      if (e instanceof ForeignOutputError) {
        void vscode.window.showErrorMessage(e.message);
        return undefined;
      }
      throw e;
    }
    return { outputs, force: false };
  }

  private label(
    folder: string,
    target: { outputs: OutputSpec[]; force: boolean },
    labelModel: LabelModelChoice,
    model: ReturnType<ExtensionServices['currentModel']>,
    controller: AbortController,
  ): Thenable<LabelSummary> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Labeling ${path.basename(folder)}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let lastPct = 0;
        let lastReport = 0;
        return runLabelJob(
          {
            folder,
            ...target,
            ...labelModel,
            provider: model.provider,
            batchSize: cfg().get<number>('label.batchSize', 0) || undefined,
            // Which files are read, and how big: only the user's own values in a restricted workspace.
            ...labelScanSettings(),
            contentHash: cfg().get<boolean>('label.contentHash', false),
            maxPixels: maxPixelsSetting(),
            topK: topKSetting(),
            workerScript: this.services.distPath('labelWorker.js'),
            workerEnv: model.cudaLibs ? { [CUDA_LIBS_ENV]: model.cudaLibs } : undefined,
          },
          {
            signal: controller.signal,
            log: (line) => this.log(line),
            onProgress: (p) => {
              const now = Date.now();
              if (now - lastReport < 250 && ((p.phase === 'labeling' && p.done < p.total) || p.phase === 'scanning' || p.phase === 'hashing')) return;
              lastReport = now;
              const pct = p.phase === 'labeling' && p.total ? (100 * p.done) / p.total : p.phase === 'done' ? 100 : lastPct;
              progress.report({ message: progressMessage(p), increment: Math.max(0, pct - lastPct) });
              lastPct = Math.max(lastPct, pct);
            },
          },
        );
      },
    );
  }

  private async finished(folder: string, summary: LabelSummary): Promise<void> {
    const labelsFile = summary.outputs[0];
    await this.context.workspaceState.update(LAST_RUN_KEY, { folder, labelsFile } satisfies LastRun);
    const errs = Object.entries(summary.errorCodes).map(([c, n]) => `${n} ${c}`).join(', ');
    this.log(
      `done: ${summary.files} images, ${summary.labeled} labeled (${summary.imagesPerSecond.toFixed(0)} img/s), ${summary.reused} unchanged${summary.reusedByContent ? ` (${summary.reusedByContent} by content: new modification time, same bytes)` : ''}, ${summary.errors} errors${errs ? ` (${errs})` : ''}, ${summary.workerRestarts} worker restart(s)`,
    );
    for (const w of summary.warnings) this.services.output.warn(`label: ${w}`);
    if (summary.suspects) {
      this.log(`class folders: ${summary.suspects.scored} image(s) scored; confident learning estimates ${Math.round(summary.suspects.estimatedIssues)} wrong label(s) (review: Show → Likely mislabeled)`);
    }
    await this.reviews.open({ folder, labelsFile });
    void vscode.window
      .showInformationMessage(
        `Labeled ${summary.files.toLocaleString('en-US')} images in ${path.basename(folder)}${summary.errors ? ` (${summary.errors} could not be read${errs ? `: ${errs}` : ''})` : ''}. Wrote ${path.basename(labelsFile)}.`,
        'Sort Into Class Folders…',
        'Show Log',
      )
      .then((c) => {
        if (c === 'Sort Into Class Folders…') void vscode.commands.executeCommand('rcnnLens.sortIntoClassFolders', vscode.Uri.file(folder));
        if (c === 'Show Log') this.services.output.show(true);
      });
  }

  private failed(folder: string, err: unknown): void {
    const name = path.basename(folder);
    if (err instanceof CancelledError) {
      this.log(`cancelled: ${folder}`);
      void vscode.window.showInformationMessage(`Labeling ${name} was cancelled. Run Label Folder again to resume where it stopped.`);
    } else if (err instanceof LockedError) {
      void vscode.window.showWarningMessage(err.message);
    } else {
      this.services.output.error(`label: ${(err as Error).stack ?? err}`);
      void vscode.window.showErrorMessage(`Labeling ${name} failed: ${(err as Error).message}`, 'Show Log').then((c) => {
        if (c) this.services.output.show(true);
      });
    }
  }
}
