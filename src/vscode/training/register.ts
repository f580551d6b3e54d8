/**
 * "Train Model on Folder…": the command, the Training panel's serializer, and the one
 * run at a time. Stopping the extension cancels a running training (its child process
 * runs in a process group of its own and would otherwise outlive the host).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { bundledModelPath } from '../../core/bundledModel';
import { ensureStateDir } from '../../core/folder/safePath';
import { TrainingError } from '../../core/training/errors';
import { discardResumable, resumableRun } from '../../core/training/trainJob';
import type { ExtensionServices } from '../services';
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

export function registerTrainingFeatures(context: vscode.ExtensionContext, services: ExtensionServices): void {
  const paths = trainingPaths(context);
  const checkpointsRoot = path.join(paths.storageDir, 'train-jobs');
  let active: TrainingSession | undefined;

  const train = async (arg?: unknown): Promise<void> => {
    if (active) {
      active.panel.reveal();
      void vscode.window.showWarningMessage('RCNN Lens is already training a model. Cancel it or wait for it to finish.');
      return;
    }
    const uri = await pickFolder(arg);
    if (!uri) return;
    const folder = uri.fsPath;
    const saved = await resumableRun(checkpointsRoot, folder);
    let resume = false;
    if (saved) {
      const choice = await vscode.window.showQuickPick(['Resume the cancelled training', 'Start over'], { title: `RCNN Lens: a training of ${path.basename(folder)} was cancelled`, ignoreFocusOut: true });
      if (!choice) return;
      resume = choice.startsWith('Resume');
      if (!resume) await discardResumable(checkpointsRoot, folder);
    }
    const settings = saved && resume ? saved : await askSettings(folder, await modelOut(folder), services.currentModel().modelPath, bundledModelPath(context.extensionPath));
    if (!settings) return;
    const python = await ensureTrainingPython(services, paths, uri);
    if (!python) return;
    active = new TrainingSession(services, { folder, settings, resume, python, trainingRoot: paths.trainingRoot, checkpointsRoot });
    try {
      await active.run();
    } finally {
      active = undefined;
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('rcnnLens.trainModel', async (arg?: unknown) => {
      try {
        await train(arg);
      } catch (err) {
        const message = err instanceof TrainingError || err instanceof Error ? err.message : String(err);
        services.output.error(`Train Model on Folder: ${message}`);
        void vscode.window.showErrorMessage(`RCNN Lens: ${message}`);
      }
    }),
    vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        // Shows what the webview saved (display only); the run it showed ended with the previous host.
        TrainingPanel.restore(panel, services);
      },
    }),
    { dispose: () => active?.dispose() },
  );
}
