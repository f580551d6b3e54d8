/**
 * One panel per image: classifying an image that already has a panel reveals and
 * refreshes it; different images get side-by-side panels, which is how people compare
 * predictions. Panels come back after a window reload through the serializer.
 */
import * as vscode from 'vscode';
import { CLASSIFY_PANEL_VIEW_TYPE, type PanelPersistedState } from '../../shared/protocol';
import type { ExtensionServices } from '../services';
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
    if (panel) panel.reveal();
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

  private track(panel: ClassifyPanel): ClassifyPanel {
    const key = panel.image.toString();
    this.panels.set(key, panel);
    panel.onDidDispose(() => {
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
