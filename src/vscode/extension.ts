/**
 * Activation is cheap on purpose: nothing here loads a model or starts the worker.
 * The worker process and the model start on the first classification.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { bundledModelPath } from '../core/bundledModel';
import type { ModelChoice } from '../core/worker/inferenceService';
import { registerBatchFeatures } from './batch/register';
import { registerCompareFeatures } from './compare/register';
import { registerTrainingFeatures } from './training/register';
import { resolveImageTargets } from './commands/imageTarget';
import { selectModel, useBundledModel } from './commands/modelCommands';
import { ClassifierBackend } from './panel/classifierBackend';
import { PanelManager } from './panel/panelManager';
import type { ExtensionServices } from './services';
import { printableLog } from './util/printableLog';
import { affectsModel, cudaLibrarySetting, modelPathSetting, providerSetting } from './settings';

/** More panels than this from one multi-selection is almost certainly a mis-click. */
const MAX_PANELS_PER_COMMAND = 8;

export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('RCNN Lens', { log: true });
  context.subscriptions.push(channel);
  const output = printableLog(channel);
  const distDir = path.join(context.extensionPath, 'dist');

  let warnedUntrusted = false;
  let panels: PanelManager | undefined;
  const services: ExtensionServices = {
    extensionUri: context.extensionUri,
    output,
    workerScript: path.join(distDir, 'worker.js'),
    distPath: (file) => path.join(distDir, file),
    currentModel(): ModelChoice {
      const setting = modelPathSetting();
      if (setting.ignoredUntrusted && !warnedUntrusted) {
        warnedUntrusted = true;
        output.warn(`workspace is not trusted: ignoring its rcnnLens.model.path (${setting.ignoredUntrusted}); using the bundled model`);
      }
      return { modelPath: setting.path ?? bundledModelPath(context.extensionPath), provider: providerSetting(), cudaLibs: cudaLibrarySetting() };
    },
    openClassifyPanel: async (image) => {
      await panels?.open(image);
    },
  };

  const backend = new ClassifierBackend(services);
  panels = new PanelManager(services, backend, context.workspaceState);
  context.subscriptions.push(backend, panels);

  context.subscriptions.push(
    vscode.commands.registerCommand('rcnnLens.classifyImage', async (arg?: unknown, multi?: unknown) => {
      const targets = await resolveImageTargets(arg, multi);
      // Each panel's time starts when its own work starts (not in the file picker, not behind earlier panels).
      await Promise.all(targets.slice(0, MAX_PANELS_PER_COMMAND).map((uri) => panels!.open(uri, performance.now())));
      if (targets.length > MAX_PANELS_PER_COMMAND) {
        void vscode.window.showWarningMessage(
          `RCNN Lens opened ${MAX_PANELS_PER_COMMAND} of ${targets.length} images. Use Label Folder for many images.`,
        );
      }
    }),
    vscode.commands.registerCommand('rcnnLens.selectModel', () => selectModel(services, backend)),
    vscode.commands.registerCommand('rcnnLens.useBundledModel', () => useBundledModel(backend)),
    vscode.commands.registerCommand('rcnnLens.showOutput', () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsModel(e)) backend.refreshModelChoice();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => backend.refreshModelChoice()),
  );

  registerBatchFeatures(context, services);
  registerTrainingFeatures(context, services);
  registerCompareFeatures(context, services, backend);
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the worker process.
}
