/**
 * The Training panel (webview/training): one per training run, showing the state the
 * session pushes. Cancel in the panel reaches the session through onCancel.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type TrainingViewState, isTrainingToHost } from '../../shared/trainingProtocol';
import type { ExtensionServices } from '../services';
import { renderTrainingHtml } from './trainingHtml';

export const TRAINING_VIEW_TYPE = 'rcnnLens.trainingPanel';

export class TrainingPanel implements vscode.Disposable {
  private readonly cancelEmitter = new vscode.EventEmitter<void>();
  readonly onCancel = this.cancelEmitter.event;
  private state: TrainingViewState | undefined;
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  static options(services: ExtensionServices): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableForms: false,
      retainContextWhenHidden: true,
      // The extension's media and webview bundles only: the panel shows no files.
      localResourceRoots: [vscode.Uri.joinPath(services.extensionUri, 'media'), vscode.Uri.joinPath(services.extensionUri, 'dist', 'webview')],
    };
  }

  static create(services: ExtensionServices, folder: string): TrainingPanel {
    const panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, `Training: ${path.basename(folder)}`, { viewColumn: vscode.ViewColumn.Active, preserveFocus: true }, TrainingPanel.options(services));
    return new TrainingPanel(panel, services);
  }

  /** A panel restored after a reload: it shows the webview's own saved state; no training is attached to it. */
  static restore(panel: vscode.WebviewPanel, services: ExtensionServices): TrainingPanel {
    return new TrainingPanel(panel, services);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    services: ExtensionServices,
  ) {
    panel.webview.options = TrainingPanel.options(services);
    panel.iconPath = vscode.Uri.joinPath(services.extensionUri, 'media', 'icon.png');
    const asUri = (...p: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(services.extensionUri, ...p)).toString();
    panel.webview.html = renderTrainingHtml({
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: asUri('dist', 'webview', 'training.js'),
      styleUri: asUri('media', 'training.css'),
      codiconsUri: asUri('dist', 'webview', 'codicons', 'codicon.css'),
      title: panel.title,
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((msg: unknown) => {
        if (!isTrainingToHost(msg)) return;
        if (msg.type === 'cancel') this.cancelEmitter.fire();
        else if (this.state) this.post(this.state);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  update(state: TrainingViewState): void {
    this.state = state;
    this.post(state);
  }

  private post(state: TrainingViewState): void {
    if (!this.disposed) void this.panel.webview.postMessage({ type: 'state', state });
  }

  reveal(): void {
    if (!this.disposed) this.panel.reveal(undefined, true);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cancelEmitter.dispose();
    for (const d of this.subscriptions) d.dispose();
    this.panel.dispose();
  }
}
