/**
 * One compare panel: two sources (two images with the current model, or one image with the
 * current model and another model file), classified side by side. The webview asks for
 * state with `ready` (after every reload); the ReadyGate keeps the latest state for it.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  COMPARE_VIEW_TYPE,
  parseCompareMessage,
  type CompareResponses,
  type CompareSource,
  type CompareToHost,
  type HostToCompare,
} from '../../shared/compareProtocol';
import { ReadyGate, receiveChecked, replier } from '../../shared/messaging';
import type { ExtensionServices } from '../services';
import { heatmapSettings, topKSetting } from '../settings';
import { WebviewPanelHost } from '../util/webviewPanelHost';
import { renderCompareHtml } from './compareHtml';
import { classifySide, modelLabel, sideHeader, type SideClassifier } from './compareSide';

const answer = replier<CompareResponses>();

export function compareTitle(a: CompareSource, b: CompareSource): string {
  const fa = path.basename(a.imagePath);
  const fb = path.basename(b.imagePath);
  if (a.imagePath === b.imagePath) return `Compare: ${fa} (${modelLabel(a)} ↔ ${modelLabel(b)})`;
  return `Compare: ${fa} ↔ ${fb}`;
}

export function compareWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableForms: false,
    // The extension's media and webview bundles only: the images travel as bytes in the result.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

export interface CompareSides {
  a: CompareSource;
  b: CompareSource;
  classifierA: SideClassifier;
  classifierB: SideClassifier;
  /** Released with the panel (a second model's worker). */
  owned?: vscode.Disposable;
}

export class ComparePanel extends WebviewPanelHost {
  private readonly gate: ReadyGate<HostToCompare>;
  private runSeq = 0;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly services: ExtensionServices,
    readonly sides: CompareSides,
  ) {
    super(panel);
    if (sides.owned) this._register(sides.owned);
    this.gate = new ReadyGate((m) => void this.panel.webview.postMessage(m), (m) => m.type !== 'reply');
    panel.webview.options = compareWebviewOptions(services.extensionUri);
    panel.title = compareTitle(sides.a, sides.b);
    panel.iconPath = vscode.Uri.joinPath(services.extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html();
    this._register(panel.webview.onDidReceiveMessage((raw: unknown) => this.onRawMessage(raw)));
  }

  static create(services: ExtensionServices, sides: CompareSides, viewColumn: vscode.ViewColumn): ComparePanel {
    const panel = vscode.window.createWebviewPanel(
      COMPARE_VIEW_TYPE,
      compareTitle(sides.a, sides.b),
      { viewColumn, preserveFocus: false },
      compareWebviewOptions(services.extensionUri),
    );
    return new ComparePanel(panel, services, sides);
  }

  private html(): string {
    const webview = this.panel.webview;
    const ext = this.services.extensionUri;
    const asUri = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(ext, ...parts)).toString();
    return renderCompareHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: asUri('dist', 'webview', 'compare.js'),
      panelStyleUri: asUri('media', 'panel.css'),
      styleUri: asUri('media', 'compare.css'),
      codiconsUri: asUri('dist', 'webview', 'codicons', 'codicon.css'),
      title: compareTitle(this.sides.a, this.sides.b),
    });
  }

  /** Classifies both sides (in parallel) and sends them together; resolves true when both have a result. */
  async classify(): Promise<boolean> {
    const seq = ++this.runSeq;
    const { a, b, classifierA, classifierB } = this.sides;
    this.gate.post({ type: 'loading', a: sideHeader(a), b: sideHeader(b) });
    const topK = topKSetting();
    const warn = (line: string) => this.services.output.warn(line);
    const [sideA, sideB] = await Promise.all([classifySide(a, classifierA, topK, warn), classifySide(b, classifierB, topK, warn)]);
    if (seq !== this.runSeq || this.isDisposed) return false;
    this.gate.post({ type: 'result', a: sideA, b: sideB, settings: { topK, threshold: 0, ...heatmapSettings() } });
    this.services.output.info(
      `compared ${compareTitle(a, b)}: A ${sideA.result?.top[0]?.label ?? 'error'}, B ${sideB.result?.top[0]?.label ?? 'error'}`,
    );
    return !!sideA.result && !!sideB.result;
  }

  private onRawMessage(raw: unknown): void {
    receiveChecked(raw, parseCompareMessage, (m) => this.onMessage(m), () =>
      this.services.output.warn('ignored a malformed message from a compare panel'),
    );
  }

  private onMessage(message: CompareToHost): void {
    switch (message.type) {
      case 'ready':
        this.gate.markReady();
        return;
      case 'reclassify':
        void this.classify();
        return;
      case 'copyText':
        void answer((m) => this.gate.post(m), message, async () => {
          await vscode.env.clipboard.writeText(message.text);
          return { copied: true };
        });
        return;
    }
  }
}
