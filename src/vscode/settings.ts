/** Typed access to the rcnnLens.* settings, with the trust rules applied. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type ProviderSetting, isProviderSetting } from '../core/runtime/providers';

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

/**
 * The user's model path. In a restricted workspace only the user (global) value counts:
 * a repository must not be able to make the extension load a model file of its choosing.
 */
export function modelPathSetting(): ModelPathSetting {
  const inspected = config().inspect<string>('model.path');
  const workspaceValue = inspected?.workspaceFolderValue || inspected?.workspaceValue;
  const trusted = vscode.workspace.isTrusted;
  const raw = (trusted ? workspaceValue || inspected?.globalValue : inspected?.globalValue) || '';
  const result: ModelPathSetting = {};
  if (!trusted && workspaceValue) result.ignoredUntrusted = workspaceValue;
  if (!raw.trim()) return result;
  let p = raw.trim().replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~');
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

export function topKSetting(): number {
  return Math.max(1, Math.min(50, Math.round(config().get<number>('topK', 5))));
}

export function maxPixelsSetting(): number {
  return Math.max(1, config().get<number>('image.maxPixels', 100_000_000));
}

export function heatmapSettings(): { colormap: string; opacity: number; playIntervalMs: number } {
  const c = config();
  return {
    colormap: c.get<string>('heatmap.colormap', 'viridis'),
    opacity: Math.max(0, Math.min(1, c.get<number>('heatmap.opacity', 0.6))),
    playIntervalMs: Math.max(16, c.get<number>('heatmap.playIntervalMs', 120)),
  };
}

export async function setModelPath(value: string): Promise<void> {
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await config().update('model.path', value, target);
}

export function affectsModel(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.model.path`) || e.affectsConfiguration(`${SECTION}.executionProvider`);
}
