/**
 * Which Python trains, in the extension: the `rcnnLens.python` setting (user/machine
 * settings only, and not in a restricted workspace), then the Python extension's active
 * interpreter through its public API (when it is installed; also not in a restricted
 * workspace, where it may be a venv the repository ships), then `python3` on PATH. When
 * the Python lacks torch/onnx/onnxruntime, it offers "Create a Python environment for
 * RCNN Lens": a venv in the extension's global storage, made the rcnnLens.python setting.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TrainingError } from '../../core/training/errors';
import { type FoundPython, type PythonCandidate, assertCanTrain, findPython, pathPythonCandidates } from '../../core/training/pythonEnv';
import { createTrainingVenv } from '../../core/training/venv';
import type { ExtensionServices } from '../services';

export const CREATE_ENV_ACTION = 'Create a Python environment for RCNN Lens';
const API_TIMEOUT_MS = 10_000;

export interface TrainingPaths {
  trainingRoot: string;
  requirementsFile: string;
  storageDir: string;
}

export function trainingPaths(context: vscode.ExtensionContext): TrainingPaths {
  const trainingRoot = path.join(context.extensionPath, 'training');
  return { trainingRoot, requirementsFile: path.join(trainingRoot, 'requirements.txt'), storageDir: context.globalStorageUri.fsPath };
}

/** The setting's value from user (machine) settings only; undefined in a restricted workspace. */
export function pythonSetting(): string | undefined {
  if (!vscode.workspace.isTrusted) return undefined;
  const v = vscode.workspace.getConfiguration('rcnnLens').inspect<string>('python')?.globalValue;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment?(env: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
}

function withTimeout<T>(p: Thenable<T>, ms: number): Promise<T | undefined> {
  return Promise.race([Promise.resolve(p), new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
}

/** The Python extension's active interpreter for `folder`, or undefined (not installed, no API, no answer). */
export async function pythonExtensionInterpreter(folder: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext || !vscode.workspace.isTrusted) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await withTimeout(ext.activate(), API_TIMEOUT_MS);
    const envPath = api?.environments?.getActiveEnvironmentPath?.(folder);
    if (!envPath?.path) return undefined;
    const env = await withTimeout(api!.environments!.resolveEnvironment?.(envPath) ?? Promise.resolve(undefined), API_TIMEOUT_MS);
    return env?.executable?.uri?.fsPath ?? envPath.path;
  } catch {
    return undefined;
  }
}

export async function pythonCandidates(folder: vscode.Uri): Promise<PythonCandidate[]> {
  const out: PythonCandidate[] = [];
  const setting = pythonSetting();
  if (setting) out.push({ command: setting, source: 'setting' });
  const fromExtension = await pythonExtensionInterpreter(folder);
  if (fromExtension) out.push({ command: fromExtension, source: 'python-extension' });
  return [...out, ...pathPythonCandidates()];
}

/**
 * A Python that can train, or undefined when the user declined to set one up (the reason
 * has been shown). Never throws for a missing Python or packages.
 */
export async function ensureTrainingPython(services: ExtensionServices, paths: TrainingPaths, folder: vscode.Uri): Promise<string | undefined> {
  let found: FoundPython | undefined;
  let problem: TrainingError;
  try {
    found = await findPython(await pythonCandidates(folder), paths.trainingRoot);
    for (const s of found.skipped) services.output.info(`training: skipped ${s}`);
    assertCanTrain(found, paths.requirementsFile);
    services.output.info(`training with ${found.report.python} (Python ${found.report.version}; ${Object.entries(found.report.packages).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    return found.candidate.command;
  } catch (err) {
    if (!(err instanceof TrainingError)) throw err;
    problem = err;
  }
  services.output.warn(`training: ${problem.message}`);
  const base = found?.report.python;
  const actions = base ? [CREATE_ENV_ACTION, 'Show Log'] : ['Show Log'];
  const hint = base ? '' : ' Install Python 3 (python3 on PATH), or set rcnnLens.python.';
  const choice = await vscode.window.showErrorMessage(`RCNN Lens: ${problem.message}${hint}`, ...actions);
  if (choice === 'Show Log') services.output.show(true);
  if (choice !== CREATE_ENV_ACTION || !base) return undefined;
  return createEnvironment(services, paths, base);
}

async function createEnvironment(services: ExtensionServices, paths: TrainingPaths, basePython: string): Promise<string | undefined> {
  const dir = path.join(paths.storageDir, 'python-env');
  services.output.show(true);
  try {
    const python = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'RCNN Lens: creating a Python environment', cancellable: true },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return createTrainingVenv({
          basePython,
          dir,
          requirementsFile: paths.requirementsFile,
          signal: controller.signal,
          onStep: (step) => progress.report({ message: step }),
          onLog: (line) => services.output.info(`pip: ${line}`),
        });
      },
    );
    await vscode.workspace.getConfiguration('rcnnLens').update('python', python, vscode.ConfigurationTarget.Global);
    services.output.info(`training: created ${dir}; rcnnLens.python is now ${python}`);
    return python;
  } catch (err) {
    const message = (err as Error).message;
    services.output.error(`training: creating the Python environment failed: ${message}`);
    if (!(err instanceof TrainingError && err.code === 'cancelled')) void vscode.window.showErrorMessage(`RCNN Lens: creating the Python environment failed: ${message}`, 'Show Log').then((c) => c && services.output.show(true));
    return undefined;
  }
}
