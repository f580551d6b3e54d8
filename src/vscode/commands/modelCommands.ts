/** "Select Model…" and "Use Bundled Model": a model is validated before it is saved as the setting. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../errors';
import { describeModelChoiceFailure } from './modelChoiceMessage';
import type { ClassifierBackend } from '../panel/classifierBackend';
import type { ExtensionServices } from '../services';
import { modelPathSetting, setModelPath } from '../settings';

export async function selectModel(services: ExtensionServices, backend: ClassifierBackend): Promise<void> {
  const current = modelPathSetting().path;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Use This Model',
    filters: { 'ONNX model': ['onnx'] },
    defaultUri: current ? vscode.Uri.file(current) : undefined,
  });
  if (!picked?.[0]) return;
  const restore = await setModelPath(picked[0].fsPath);
  try {
    const model = await backend.loadModel();
    if (path.resolve(model.path) !== path.resolve(picked[0].fsPath)) {
      void vscode.window.showWarningMessage(
        `RCNN Lens: ${picked[0].fsPath} was saved, but ${model.path} is still in use (a restricted workspace uses only user settings).`,
      );
      return;
    }
    void vscode.window.showInformationMessage(
      `RCNN Lens: using ${model.info.name} (${model.info.labels.length} classes, ${model.info.timesteps} timesteps) on ${model.provider}.`,
    );
  } catch (err) {
    // Keep the previous, working setting: a bad file must not leave the extension without a model.
    await restore();
    backend.refreshModelChoice();
    const failure = describeModelChoiceFailure(err, picked[0].fsPath, current ? path.basename(current) : undefined);
    services.output.error(failure.logText);
    // Not modal: nothing is lost and nothing needs an answer, the previous model keeps working.
    const choice = await vscode.window.showErrorMessage(failure.message, 'Show Details');
    if (choice === 'Show Details') services.output.show(true);
  }
}

export async function useBundledModel(backend: ClassifierBackend): Promise<void> {
  await setModelPath('');
  try {
    const model = await backend.loadModel();
    void vscode.window.showInformationMessage(`RCNN Lens: using the bundled model ${model.info.name} on ${model.provider}.`);
  } catch (err) {
    void vscode.window.showErrorMessage(`RCNN Lens: ${describeError(err).message}`);
  }
}
