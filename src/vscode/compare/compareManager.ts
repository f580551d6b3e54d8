/**
 * The compare panels: one per pair of sources (opening the same comparison again reveals
 * it), each restored after a window reload by the serializer, but only for comparisons the
 * host itself opened: the state comes from the webview and must not pick files to decode
 * or models to load.
 */
import * as vscode from 'vscode';
import { COMPARE_VIEW_TYPE, compareKey, parseComparePersisted, type CompareSource } from '../../shared/compareProtocol';
import type { ClassifierBackend } from '../panel/classifierBackend';
import type { ExtensionServices } from '../services';
import { Disposable } from '../util/disposable';
import { OpenedRecord } from '../util/openedRecord';
import { ComparePanel, type CompareSides } from './comparePanel';
import type { SideClassifier } from './compareSide';
import { OtherModel } from './otherModel';

/** workspaceState key: the comparisons this workspace opened (the host's own record). */
const OPENED_KEY = 'rcnnLens.openedComparisons';
const OPENED_MAX = 50;

export class CompareManager extends Disposable implements vscode.WebviewPanelSerializer<unknown> {
  private readonly panels = new Map<string, ComparePanel>();
  private readonly opened: OpenedRecord;

  constructor(
    private readonly services: ExtensionServices,
    private readonly backend: ClassifierBackend,
    workspaceState: vscode.Memento,
  ) {
    super();
    this.opened = new OpenedRecord(workspaceState, OPENED_KEY, OPENED_MAX);
    this._register(vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, this));
  }

  /** Opens (or reveals) the comparison of `a` and `b`; `other` is B's already validated model, owned from now on. */
  async open(a: CompareSource, b: CompareSource, other?: OtherModel): Promise<boolean> {
    const key = compareKey(a, b);
    const existing = this.panels.get(key);
    if (existing) {
      other?.dispose();
      existing.reveal();
      return existing.classify();
    }
    const panel = this.track(key, ComparePanel.create(this.services, this.sides(a, b, other), vscode.ViewColumn.Active));
    await this.remember(key);
    return panel.classify();
  }

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = parseComparePersisted(state);
    const key = saved && compareKey(saved.a, saved.b);
    if (!saved || !key || !this.opened.has(key) || this.panels.has(key)) {
      webviewPanel.dispose();
      if (key) this.panels.get(key)?.reveal();
      return;
    }
    const panel = this.track(key, new ComparePanel(webviewPanel, this.services, this.sides(saved.a, saved.b)));
    await panel.classify();
  }

  private sides(a: CompareSource, b: CompareSource, other?: OtherModel): CompareSides {
    const models = new Map<string, OtherModel>();
    if (other) models.set(other.modelPath, other);
    const classifierFor = (s: CompareSource): SideClassifier => {
      if (!s.modelPath) return this.currentModelClassifier();
      let model = models.get(s.modelPath);
      if (!model) models.set(s.modelPath, (model = new OtherModel(this.services, s.modelPath)));
      return model;
    };
    const classifierA = classifierFor(a);
    const classifierB = classifierFor(b);
    return { a, b, classifierA, classifierB, owned: { dispose: () => models.forEach((m) => m.dispose()) } };
  }

  private currentModelClassifier(): SideClassifier {
    return {
      classify: (imagePath, topK) => this.backend.classify(imagePath, { topK, full: true }),
      previewDataUrl: (imagePath) => this.backend.previewDataUrl(imagePath),
    };
  }

  private async remember(key: string): Promise<void> {
    await this.opened.remember(key).then(undefined, (err: unknown) =>
      this.services.output.warn(`could not record a comparison for restoring after a reload: ${String(err)}`),
    );
  }

  private track(key: string, panel: ComparePanel): ComparePanel {
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
