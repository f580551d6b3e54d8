/**
 * The classify panels. An image that already has a panel: that panel is revealed and
 * refreshed. Another image goes to the open panel (rcnnLens.panel.reuse, on by default),
 * or to a new panel beside the others when the setting is off. Panels come back after a
 * window reload through the serializer.
 */
import * as vscode from 'vscode';
import { CLASSIFY_PANEL_VIEW_TYPE, type PanelPersistedState } from '../../shared/protocol';
import type { ExtensionServices } from '../services';
import { panelReuseSetting } from '../settings';
import { Disposable } from '../util/disposable';
import { OpenedRecord } from '../util/openedRecord';
import type { ClassifierBackend } from './classifierBackend';
import { ClassifyPanel } from './classifyPanel';
import { PanelTrace } from './panelTrace';

/** workspaceState key: images this workspace opened panels for (the host's own record). */
const OPENED_IMAGES_KEY = 'rcnnLens.openedPanelImages';
const OPENED_IMAGES_MAX = 200;

export class PanelManager extends Disposable implements vscode.WebviewPanelSerializer<PanelPersistedState> {
  private readonly panels = new Map<string, ClassifyPanel>();
  private readonly opened: OpenedRecord;

  constructor(
    private readonly services: ExtensionServices,
    private readonly backend: ClassifierBackend,
    workspaceState: vscode.Memento,
  ) {
    super();
    this.opened = new OpenedRecord(workspaceState, OPENED_IMAGES_KEY, OPENED_IMAGES_MAX);
    this._register(vscode.window.registerWebviewPanelSerializer(CLASSIFY_PANEL_VIEW_TYPE, this));
  }

  /** Opens or reveals the panel for `image` and classifies it. Resolves true on success. */
  async open(image: vscode.Uri, startedAt = performance.now()): Promise<boolean> {
    // Find or create the panel before anything awaits: a second open of the same image (a
    // double-click in the review gallery) must find the panel the first one created.
    const trace = new PanelTrace(Date.now() - (performance.now() - startedAt));
    const key = image.toString();
    let panel = this.panels.get(key);
    const reused = panel ? undefined : this.reusablePanel();
    if (panel) panel.reveal();
    else if (reused) panel = this.moveTo(reused, image);
    else panel = this.track(ClassifyPanel.create(this.services, this.backend, image, this.columnForNewPanel()));
    trace.mark('panel');
    this.opened.remember(image.fsPath).catch((err: unknown) =>
      this.services.output.warn(`could not record ${image.fsPath} for restoring after a reload: ${err instanceof Error ? err.message : String(err)}`),
    );
    return panel.classify(startedAt, trace);
  }

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: PanelPersistedState | undefined): Promise<void> {
    // The state comes from the webview; only reopen images the host itself opened a panel
    // for, so a compromised webview cannot widen its resource roots or pick files to decode.
    if (!state?.imagePath || !this.opened.has(state.imagePath)) {
      webviewPanel.dispose();
      return;
    }
    const image = vscode.Uri.file(state.imagePath);
    const existing = this.panels.get(image.toString());
    if (existing) {
      webviewPanel.dispose();
      existing.reveal();
      return;
    }
    const panel = this.track(new ClassifyPanel(webviewPanel, this.services, this.backend, image));
    await panel.classify();
  }

  /** New panels join the group that already holds RCNN panels (as tabs), else open beside the editor. */
  private columnForNewPanel(): vscode.ViewColumn {
    for (const p of this.panels.values()) if (p.panel.viewColumn !== undefined) return p.panel.viewColumn;
    return vscode.ViewColumn.Beside;
  }

  /**
   * The panel a further image goes to when rcnnLens.panel.reuse is on: the active classify
   * panel, else the one used last. A new webview costs VS Code about a second; a message does not.
   */
  private reusablePanel(): ClassifyPanel | undefined {
    const all = [...this.panels.values()];
    if (!all.length || !panelReuseSetting()) return undefined;
    return all.find((p) => p.panel.active) ?? all[all.length - 1];
  }

  private moveTo(panel: ClassifyPanel, image: vscode.Uri): ClassifyPanel {
    this.panels.delete(panel.image.toString());
    panel.showImage(image);
    this.panels.set(image.toString(), panel);
    panel.reveal();
    return panel;
  }

  private track(panel: ClassifyPanel): ClassifyPanel {
    this.panels.set(panel.image.toString(), panel);
    panel.onDidDispose(() => {
      // By its current image: a reused panel has moved since it was created.
      const key = panel.image.toString();
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
    return panel;
  }

  override dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
    super.dispose();
  }
}
