/** Typed access to the rcnnLens.* settings, with the trust rules applied. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { trustedSettingValue } from '../core/labelsFile/outputs';
import { type ProviderSetting, isProviderSetting } from '../core/runtime/providers';
import { type PrecisionSetting, isPrecisionSetting } from '../core/model/variants';

const SECTION = 'rcnnLens';

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

export interface ModelPathSetting {
  /** Absolute path, or undefined for the bundled model. */
  path?: string;
  /** Set when a workspace-level path was ignored because the workspace is not trusted. */
  ignoredUntrusted?: string;
}

interface ScopedValue {
  target: vscode.ConfigurationTarget;
  /** The raw value at that scope; undefined = not set there. */
  value: string | undefined;
}

/**
 * Which scope decides the model path now. In a restricted workspace only the user
 * (global) value counts: a repository must not make the extension load a model file of
 * its choosing. An empty string set at a scope means "the bundled model" there.
 */
function effectiveModelPathScope(): ScopedValue & { ignoredUntrusted?: string } {
  const i = config().inspect<string>('model.path');
  const global: ScopedValue = { target: vscode.ConfigurationTarget.Global, value: i?.globalValue };
  if (!vscode.workspace.isTrusted) {
    const ignored = i?.workspaceFolderValue ?? i?.workspaceValue;
    return { ...global, ignoredUntrusted: ignored || undefined };
  }
  if (i?.workspaceFolderValue !== undefined) return { target: vscode.ConfigurationTarget.WorkspaceFolder, value: i.workspaceFolderValue };
  if (i?.workspaceValue !== undefined) return { target: vscode.ConfigurationTarget.Workspace, value: i.workspaceValue };
  return global;
}

export function modelPathSetting(): ModelPathSetting {
  const scope = effectiveModelPathScope();
  const result: ModelPathSetting = {};
  if (scope.ignoredUntrusted) result.ignoredUntrusted = scope.ignoredUntrusted;
  const raw = scope.value?.trim();
  if (!raw) return result;
  let p = raw.replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~');
  if (!path.isAbsolute(p)) {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (root) p = path.join(root, p);
  }
  result.path = p;
  return result;
}

export function providerSetting(): ProviderSetting {
  const v = config().get<string>('executionProvider', 'auto');
  return isProviderSetting(v) ? v : 'auto';
}

/** rcnnLens.cuda.libraryPath: machine scope, so only the user's own settings can name it. */
export function cudaLibrarySetting(): string | undefined {
  const raw = config().get<string>('cuda.libraryPath', '')?.trim();
  return raw ? raw.replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~') : undefined;
}

export function labelPrecisionSetting(): PrecisionSetting {
  const v = config().get<string>('label.precision', 'auto');
  return isPrecisionSetting(v) ? v : 'auto';
}

/** Whether Classify Image shows a further image in the open panel instead of a new one. */
export function panelReuseSetting(): boolean {
  return config().get<boolean>('panel.reuse', true) !== false;
}

export function topKSetting(): number {
  return Math.max(1, Math.min(50, Math.round(config().get<number>('topK', 5))));
}

/**
 * A setting a repository must not decide for the user (declared in package.json under
 * capabilities.untrustedWorkspaces.restrictedConfigurations): in a restricted workspace
 * only the user's own (global) value counts.
 */
export function trustedSetting<T>(key: string, fallback: T, isValid: (v: unknown) => v is T): T {
  const c = config();
  const value = trustedSettingValue<unknown>(vscode.workspace.isTrusted, c.get<unknown>(key), c.inspect<unknown>(key), fallback);
  return isValid(value) ? value : fallback;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** Restricted: an untrusted repository could raise it to make the extension decode huge images. */
export function maxPixelsSetting(): number {
  return Math.max(1, trustedSetting('image.maxPixels', 100_000_000, isNumber));
}

/** Which files Label Folder reads. Restricted: a repository could point a followed symlink at the user's own pictures. */
export function labelScanSettings(): { include: string[]; exclude: string[]; followSymlinks: boolean } {
  return {
    include: trustedSetting('label.include', ['**/*'], isStringArray),
    exclude: trustedSetting('label.exclude', ['**/node_modules/**', '**/.git/**'], isStringArray),
    followSymlinks: trustedSetting('label.followSymlinks', false, isBoolean),
  };
}

/** Where Label Folder writes (relative to the folder; '' = the default name). Restricted. */
export function labelOutputSettings(): { file: string; format: string } {
  return {
    file: trustedSetting('label.outputFile', '', isString),
    format: trustedSetting('label.outputFormat', 'jsonl', isString),
  };
}

export function heatmapSettings(): { colormap: string; opacity: number; playIntervalMs: number } {
  const c = config();
  return {
    colormap: c.get<string>('heatmap.colormap', 'viridis'),
    opacity: Math.max(0, Math.min(1, c.get<number>('heatmap.opacity', 0.6))),
    playIntervalMs: Math.max(16, c.get<number>('heatmap.playIntervalMs', 120)),
  };
}

/**
 * Sets the model path at the scope that decides it now (the user's settings unless the
 * workspace sets it), and returns a function that puts the previous value back exactly.
 */
export async function setModelPath(value: string): Promise<() => Promise<void>> {
  const { target, value: previous } = effectiveModelPathScope();
  await config().update('model.path', value, target);
  return () => Promise.resolve(config().update('model.path', previous, target));
}

export function affectsModel(e: vscode.ConfigurationChangeEvent): boolean {
  return (
    e.affectsConfiguration(`${SECTION}.model.path`) ||
    e.affectsConfiguration(`${SECTION}.executionProvider`) ||
    e.affectsConfiguration(`${SECTION}.cuda.libraryPath`)
  );
}
