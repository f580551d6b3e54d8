/**
 * "Train Model on Folder…": the command, the Training panel's serializer, and the one
 * run at a time, as one Disposable. Disposing it (the extension stopping) cancels a running
 * training (its child process runs in a process group of its own and would otherwise
 * outlive the host).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { bundledModelPath } from '../../core/bundledModel';
import { ensureStateDir } from '../../core/folder/safePath';
import { TrainingError } from '../../core/training/errors';
import { discardResumable, resumableRun } from '../../core/training/trainJob';
import type { ExtensionServices } from '../services';
import { Disposable } from '../util/disposable';
import { ensureTrainingPython, trainingPaths } from './pythonSetup';
import { askSettings } from './trainOptions';
import { TRAINING_VIEW_TYPE, TrainingPanel } from './trainingPanel';
import { TrainingSession } from './trainingSession';

async function pickFolder(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Train on This Folder', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return picked?.[0];
}

/** Where the new model goes: `<folder>/.rcnn-lens/models/<folder>-<time>.onnx`. */
async function modelOut(folder: string): Promise<string> {
  const dir = await ensureStateDir(folder, 'models');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return path.join(dir, `${path.basename(folder).replace(/[^\w.-]+/g, '_') || 'model'}-${stamp}.onnx`);
}

export class TrainFolderCommand extends Disposable {
  private active: TrainingSession | undefined;
  private readonly paths: ReturnType<typeof trainingPaths>;
  private readonly checkpointsRoot: string;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly services: ExtensionServices,
  ) {
    super();
    this.paths = trainingPaths(context);
    this.checkpointsRoot = path.join(this.paths.storageDir, 'train-jobs');
    this._register(vscode.commands.registerCommand('rcnnLens.trainModel', (arg?: unknown) => this.runReporting(arg)));
    this._register(
      vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
          // Shows what the webview saved (display only); the run it showed ended with the previous host.
          TrainingPanel.restore(panel, services);
        },
      }),
    );
    this._register({ dispose: () => this.active?.dispose() });
  }

  private async runReporting(arg?: unknown): Promise<void> {
    try {
      await this.train(arg);
    } catch (err) {
      const message = err instanceof TrainingError || err instanceof Error ? err.message : String(err);
      this.services.output.error(`Train Model on Folder: ${message}`);
      void vscode.window.showErrorMessage(`RCNN Lens: ${message}`);
    }
  }

  /** Resume a cancelled run of this folder, or start over: undefined when the user backed out. */
  private async resumeChoice(folder: string): Promise<{ saved: Awaited<ReturnType<typeof resumableRun>>; resume: boolean } | undefined> {
    const saved = await resumableRun(this.checkpointsRoot, folder);
    if (!saved) return { saved, resume: false };
    const choice = await vscode.window.showQuickPick(['Resume the cancelled training', 'Start over'], { title: `RCNN Lens: a training of ${path.basename(folder)} was cancelled`, ignoreFocusOut: true });
    if (!choice) return undefined;
    const resume = choice.startsWith('Resume');
    if (!resume) await discardResumable(this.checkpointsRoot, folder);
    return { saved, resume };
  }

  private async train(arg?: unknown): Promise<void> {
    if (this.active) {
      this.active.panel.reveal();
      void vscode.window.showWarningMessage('RCNN Lens is already training a model. Cancel it or wait for it to finish.');
      return;
    }
    const uri = await pickFolder(arg);
    if (!uri) return;
    const folder = uri.fsPath;
    const prior = await this.resumeChoice(folder);
    if (!prior) return;
    const { saved, resume } = prior;
    const settings = saved && resume ? saved : await askSettings(folder, await modelOut(folder), this.services.currentModel().modelPath, bundledModelPath(this.context.extensionPath));
    if (!settings) return;
    const python = await ensureTrainingPython(this.services, this.paths, uri);
    if (!python) return;
    this.active = new TrainingSession(this.services, { folder, settings, resume, python, trainingRoot: this.paths.trainingRoot, checkpointsRoot: this.checkpointsRoot });
    try {
      await this.active.run();
    } finally {
      this.active = undefined;
    }
  }
}

export function registerTrainingFeatures(context: vscode.ExtensionContext, services: ExtensionServices): void {
  context.subscriptions.push(new TrainFolderCommand(context, services));
}
