import * as vscode from 'vscode';
import { Disposable } from './disposable';

/**
 * A webview panel and what the extension keeps for it: closing the panel disposes the host,
 * disposing the host closes the panel, and managers hear of either through onDidDispose.
 */
export abstract class WebviewPanelHost extends Disposable {
  private readonly onDisposeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.onDisposeEmitter.event;

  constructor(readonly panel: vscode.WebviewPanel) {
    super();
    this._register(panel.onDidDispose(() => this.dispose()));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.onDisposeEmitter.fire();
    super.dispose();
    this.panel.dispose();
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }
}
