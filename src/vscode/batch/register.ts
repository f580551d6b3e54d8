import type * as vscode from 'vscode';
import type { ExtensionServices } from '../services';

export function registerBatchFeatures(_context: vscode.ExtensionContext, _services: ExtensionServices): void {
  // filled in below (issue 5)
}
