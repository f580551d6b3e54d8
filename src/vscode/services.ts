/**
 * What the extension's features share: created once in activate(), passed to each
 * feature's register function so features do not reach into each other.
 */
import type * as vscode from 'vscode';
import type { ModelChoice } from '../core/worker/inferenceService';

export interface ExtensionServices {
  readonly extensionUri: vscode.Uri;
  readonly output: vscode.LogOutputChannel;
  /** Absolute path of dist/worker.js (the classify worker process). */
  readonly workerScript: string;
  /** Absolute path of a dist/ file, e.g. distPath('labelWorker.js'). */
  distPath(file: string): string;
  /** The model and provider to use now, honouring workspace trust (bundled model when untrusted). */
  currentModel(): ModelChoice;
  /** Opens (or reveals) the classify panel for an image. */
  openClassifyPanel(image: vscode.Uri): Promise<void>;
}
