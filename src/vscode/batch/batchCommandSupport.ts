/**
 * What the batch commands share: the workspace-state keys, the configured outputs, the
 * folder picker, and the wrapper that reports a command's unexpected failures.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type OutputSpec, OutputPathError, resolveOutputs } from '../../core/labelsFile/outputs';
import type { ExtensionServices } from '../services';
import { labelOutputSettings } from '../settings';

export const LAST_RUN_KEY = 'rcnnLens.batch.lastRun';
export const LAST_SORT_KEY = 'rcnnLens.batch.lastSort';

export interface LastRun {
  folder: string;
  labelsFile: string;
}

export function cfg(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('rcnnLens');
}

/** The configured outputs, inside `folder` (OutputPathError otherwise); an untrusted workspace's own value is ignored. */
export function outputsFor(folder: string): OutputSpec[] {
  const { file, format } = labelOutputSettings();
  return resolveOutputs(folder, file, format);
}

/** A failure to show as it is: the message already says what went wrong, in the user's terms. */
export class UserFacingError extends Error {}

/** Whether `uri` is a folder; a target that is gone is a UserFacingError, not VS Code's generic "command failed". */
export async function isDirectory(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === 'FileNotFound') throw new UserFacingError(`${uri.fsPath} does not exist (moved or deleted?).`);
    throw err;
  }
}

/** The folder of a command's argument (a file's folder for a file), else one the user picks. */
export async function pickFolder(arg: unknown, title: string): Promise<string | undefined> {
  if (arg instanceof vscode.Uri && arg.scheme === 'file') return (await isDirectory(arg)) ? arg.fsPath : path.dirname(arg.fsPath);
  const folders = vscode.workspace.workspaceFolders ?? [];
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: folders[0]?.uri,
    openLabel: title,
  });
  return picked?.[0]?.fsPath;
}

/** A file URI argument (from the Explorer), or undefined for a palette call. */
export function fileUriArg(arg: unknown): vscode.Uri | undefined {
  return arg instanceof vscode.Uri && arg.scheme === 'file' ? arg : undefined;
}

/** Registers a command whose unexpected failures are logged and shown with the command's name. */
export function registerReportingCommand(
  services: ExtensionServices,
  id: string,
  title: string,
  body: (arg?: unknown) => Promise<void>,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (arg?: unknown): Promise<void> => {
    try {
      await body(arg);
    } catch (err) {
      if (err instanceof UserFacingError || err instanceof OutputPathError) {
        void vscode.window.showErrorMessage(`${title}: ${err.message}`);
        return;
      }
      services.output.error(`label: ${title} failed: ${(err as Error).stack ?? err}`);
      void vscode.window.showErrorMessage(`${title} failed: ${(err as Error).message}`, 'Show Log').then((c) => {
        if (c) services.output.show(true);
      });
    }
  });
}
