/**
 * One classify panel, showing one image at a time. The webview asks for state with a `ready`
 * message (after every reload, since we do not retain hidden webviews); the panel keeps
 * the latest state message and answers with it.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CLASSIFY_PANEL_VIEW_TYPE,
  type HostToPanel,
  type PanelResponses,
  type PanelToHost,
} from '../../shared/protocol';
import { ReadyGate, receiveChecked, replier } from '../../shared/messaging';
import { describeError } from '../errors';
import type { ExtensionServices } from '../services';
import { heatmapSettings, topKSetting } from '../settings';
import { WebviewPanelHost } from '../util/webviewPanelHost';
import { readImageForWebview } from '../util/imageForWebview';
import type { ClassifierBackend } from './classifierBackend';
import { PanelExplainer } from './panelExplainer';
import { parsePanelMessage } from './panelMessages';
import { PanelTrace } from './panelTrace';
import { renderPanelHtml } from './panelHtml';
import { imageMimeType, toResultView } from './resultView';

export function panelTitle(imagePath: string): string {
  return `RCNN: ${path.basename(imagePath)}`;
}

const answer = replier<PanelResponses>();

/** Messages the webview must see after a reload (replies and progress are for the moment only). */
const isPanelState = (m: HostToPanel): boolean => m.type !== 'reply' && m.type !== 'explainProgress';

export class ClassifyPanel extends WebviewPanelHost {
  /** Holds the latest state until the webview says `ready` (again after every reload). */
  private readonly gate: ReadyGate<HostToPanel>;
  private runSeq = 0;
  /** The current run's stage marks, logged once its result has reached the webview. */
  private trace: PanelTrace | undefined;
  private readonly explainer: PanelExplainer;

  static create(
    services: ExtensionServices,
    backend: ClassifierBackend,
    image: vscode.Uri,
    viewColumn: vscode.ViewColumn,
  ): ClassifyPanel {
    const panel = vscode.window.createWebviewPanel(
      CLASSIFY_PANEL_VIEW_TYPE,
      panelTitle(image.fsPath),
      { viewColumn, preserveFocus: false },
      ClassifyPanel.webviewOptions(services, image),
    );
    return new ClassifyPanel(panel, services, backend, image);
  }

  static webviewOptions(services: ExtensionServices, image: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableForms: false,
      // The extension's media and webview bundles only. The image travels as bytes in the
      // result message: a root on its folder would let the page load every file beside it.
      localResourceRoots: [
        vscode.Uri.joinPath(services.extensionUri, 'media'),
        vscode.Uri.joinPath(services.extensionUri, 'dist', 'webview'),
      ],
    };
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly services: ExtensionServices,
    private readonly backend: ClassifierBackend,
    private shownImage: vscode.Uri,
  ) {
    super(panel);
    this.gate = new ReadyGate((m) => this.deliver(m), isPanelState);
    panel.webview.options = ClassifyPanel.webviewOptions(services, shownImage);
    panel.title = panelTitle(shownImage.fsPath);
    panel.iconPath = vscode.Uri.joinPath(services.extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html();
    this.explainer = new PanelExplainer(backend, (m) => this.post(m));
    this._register({ dispose: () => this.explainer.cancel() });
    this._register(panel.webview.onDidReceiveMessage((raw: unknown) => this.onRawMessage(raw)));
  }

  get image(): vscode.Uri {
    return this.shownImage;
  }

  /** Shows another image in this panel (the caller then classifies it); a running explanation stops. */
  showImage(image: vscode.Uri): void {
    this.explainer.cancel();
    this.shownImage = image;
    this.panel.title = panelTitle(image.fsPath);
  }

  private html(): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.services.extensionUri, 'dist', 'webview');
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.services.extensionUri, 'media', 'panel.css')).toString(),
      codiconsUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
      toolkitUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'toolkit.js')).toString(),
      title: panelTitle(this.image.fsPath),
    });
  }

  private post(message: HostToPanel): void {
    this.gate.post(message);
  }

  /** What the gate sends; a result or error also ends the run's trace, logged as one line. */
  private deliver(message: HostToPanel): void {
    void this.panel.webview.postMessage(message);
    if (message.type !== 'result' && message.type !== 'error') return;
    const trace = this.trace;
    this.trace = undefined;
    if (!trace) return;
    trace.mark(`${message.type}-posted`);
    this.services.output.info(`panel timing ${path.basename(this.image.fsPath)}: ${trace.summary()}`);
  }

  /** Classifies the panel's image; `startedAt` is when the user asked (performance.now()). */
  async classify(startedAt = performance.now(), trace = new PanelTrace(Date.now() - (performance.now() - startedAt))): Promise<boolean> {
    const seq = ++this.runSeq;
    this.trace = trace;
    if (this.gate.isReady) trace.mark('ready');
    const imagePath = this.image.fsPath;
    const fileName = path.basename(imagePath);
    this.post({ type: 'loading', imagePath, fileName });
    try {
      const { detail, model, modelLoadMs } = await this.backend.classify(imagePath, { topK: topKSetting(), full: true });
      trace.mark('classified');
      if (seq !== this.runSeq || this.isDisposed) return false;
      const result = toResultView(detail, model, undefined, 0, modelLoadMs);
      const mime = imageMimeType(detail.geometry.format);
      result.image = mime ? await this.imageBytes(imagePath, mime) : undefined;
      if (!result.image) result.imageSrc = await this.previewOrUndefined(imagePath);
      if (seq !== this.runSeq || this.isDisposed) return false;
      result.timing.totalMs = performance.now() - startedAt - (modelLoadMs ?? 0);
      const hm = heatmapSettings();
      this.post({ type: 'result', result, settings: { topK: topKSetting(), threshold: 0, ...hm } });
      this.services.output.info(
        `classified ${imagePath}: ${detail.top[0]?.label} ${(detail.top[0]?.score * 100).toFixed(1)}% ` +
          `in ${result.timing.totalMs.toFixed(1)} ms (decode ${detail.timing.decodeMs.toFixed(1)}, model ${detail.timing.runMs.toFixed(1)})`,
      );
      return true;
    } catch (err) {
      if (seq !== this.runSeq || this.isDisposed) return false;
      const described = describeError(err, imagePath);
      this.services.output.error(`${described.message}${described.detail ? `\n${described.detail}` : ''}`);
      this.post({ type: 'error', imagePath, fileName, message: described.message, detail: described.detail });
      this.backend.reportError(described);
      return false;
    }
  }

  /**
   * The image file's bytes for the webview, read now (so Reclassify shows the file as it is
   * on disk), or undefined when it is not a regular file or too big to send as it is.
   */
  private async imageBytes(imagePath: string, mime: string): Promise<{ bytes: Uint8Array; mime: string } | undefined> {
    try {
      return await readImageForWebview(imagePath, mime);
    } catch (err) {
      this.services.output.warn(`cannot read ${imagePath} for the panel: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** The result stays useful without a picture, so a failed preview only costs the picture. */
  private async previewOrUndefined(imagePath: string): Promise<string | undefined> {
    try {
      return await this.backend.previewDataUrl(imagePath);
    } catch (err) {
      this.services.output.warn(`no preview for ${imagePath}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private onRawMessage(raw: unknown): void {
    receiveChecked(raw, parsePanelMessage, (m) => this.onMessage(m), () =>
      this.services.output.warn(`ignored a malformed message from the classify panel of ${this.image.fsPath}`),
    );
  }

  private onMessage(message: PanelToHost): void {
    switch (message.type) {
      case 'ready':
        this.trace?.mark('ready');
        this.gate.markReady();
        return;
      case 'reclassify':
        void this.classify();
        return;
      case 'openSettings':
        void vscode.commands.executeCommand('workbench.action.openSettings', 'rcnnLens');
        return;
      case 'openHelp':
        // The README ships in the extension; its "Reading the heatmap" section explains every view.
        void vscode.commands.executeCommand(
          'markdown.showPreview',
          vscode.Uri.joinPath(this.services.extensionUri, 'README.md').with({ fragment: 'reading-the-heatmap' }),
        );
        return;
      case 'copyText':
        void answer((m) => this.post(m), message, async () => {
          await vscode.env.clipboard.writeText(message.text);
          return { copied: true };
        });
        return;
      case 'savePng':
        void answer((m) => this.post(m), message, () => this.savePng(message.dataUrl, message.suggestedName));
        return;
      case 'explain':
        void answer((m) => this.post(m), message, () => this.explainer.run(this.image.fsPath, message.methods, message.window));
        return;
      case 'cancelExplain':
        this.explainer.cancel();
        return;
    }
  }

  private async savePng(dataUrl: string, suggestedName: string): Promise<PanelResponses['savePng']> {
    const match = /^data:image\/png;base64,(.+)$/.exec(dataUrl);
    if (!match) throw new Error('the panel sent an image that is not a PNG');
    const safeName = path.basename(suggestedName || 'heatmap.png');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(path.dirname(this.image.fsPath), safeName)),
      filters: { 'PNG image': ['png'] },
      saveLabel: 'Save Heatmap',
    });
    if (!target) return { cancelled: true };
    // The save dialog already asked before replacing an existing file.
    await vscode.workspace.fs.writeFile(target, Buffer.from(match[1], 'base64'));
    void this.confirmSaved(target);
    return { saved: target.fsPath };
  }

  /** Names the file and offers to show it: in the Explorer when it is in the workspace, else in the OS. */
  private async confirmSaved(target: vscode.Uri): Promise<void> {
    const choice = await vscode.window.showInformationMessage(`Saved the heatmap as ${target.fsPath}.`, 'Reveal');
    if (choice !== 'Reveal') return;
    const inWorkspace = vscode.workspace.getWorkspaceFolder(target) !== undefined;
    await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', target);
  }
}
