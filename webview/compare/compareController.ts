/**
 * The compare panel's brain: takes the host's messages, keeps both sides' results and the
 * one set of choices, persists them, and repaints both sides (coalesced to one frame)
 * whenever either changes. One scrubber drives both sides.
 */
import { compareSides, type Comparability } from '../../src/shared/comparability';
import type { CompareResponses, CompareSideView, CompareToHost, ComparePersistedState, HostToCompare } from '../../src/shared/compareProtocol';
import { parseComparePersisted } from '../../src/shared/compareProtocol';
import { colormapLut } from '../../src/shared/heatmap/colormaps';
import { divergingLut } from '../../src/shared/heatmap/diverging';
import { RequestTracker } from '../../src/shared/messaging';
import type { PanelSettingsView } from '../../src/shared/protocol';
import { setShown } from '../shared/dom';
import type { VsCodeApi } from '../shared/vscodeApi';
import type { ResultModel } from '../panel/resultModel';
import { Timeline } from '../panel/timeline';
import type { CompareDom } from './compareDom';
import { QUANTITY_NAMES } from '../../src/shared/heatmap/quantityNames';
import { CompareControls } from './compareControls';
import { compareFrames } from './compareFrames';
import { renderCompareLegend } from './compareLegend';
import { defaultCompareUi, restoreCompareUi, type CompareUi } from './compareUi';
import { SideView } from './sideView';

const NOTHING_IN_COMMON: Comparability = { sameModel: false, sameGrid: false, sameLabels: false, quantities: [], commonLabels: [], notes: [] };

export class CompareController {
  private readonly rpc = new RequestTracker<CompareToHost, CompareResponses>();
  private readonly a: SideView;
  private readonly b: SideView;
  private readonly timeline: Timeline;
  private readonly controls: CompareControls;
  private comparability: Comparability | undefined;
  private ui: CompareUi | undefined;
  private views: { a: CompareSideView; b: CompareSideView } | undefined;
  private restored: ComparePersistedState | undefined;
  private frameRequested = false;

  constructor(
    private readonly dom: CompareDom,
    private readonly vscode: VsCodeApi<ComparePersistedState>,
  ) {
    this.restored = parseComparePersisted(vscode.getState());
    const scrub = (step: number) => {
      this.timeline.stop();
      this.update({ timestep: step });
    };
    this.a = new SideView(dom.a, scrub, () => this.requestFrame());
    this.b = new SideView(dom.b, scrub, () => this.requestFrame());
    this.timeline = new Timeline(dom.timestep, dom.play, dom.timestepLabel, [dom.a.stage, dom.b.stage], { onStep: (step) => this.update({ timestep: step }) });
    this.controls = new CompareControls(dom, (patch) => this.update(patch));
    dom.reclassify.addEventListener('click', () => this.vscode.postMessage({ type: 'reclassify' } satisfies CompareToHost));
    dom.copySummary.addEventListener('click', () => void this.copySummary());
    new MutationObserver(() => {
      this.a.redraw();
      this.b.redraw();
      this.requestFrame();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  handle(message: HostToCompare): void {
    switch (message.type) {
      case 'loading':
        this.dom.main.dataset.state = 'loading';
        this.dom.loadingText.textContent = `Classifying ${message.a.fileName} (${message.a.modelLabel}) and ${message.b.fileName} (${message.b.modelLabel})…`;
        setShown(this.dom.loading, true);
        this.a.showHeader(message.a);
        this.b.showHeader(message.b);
        return;
      case 'result':
        void this.showResult(message.a, message.b, message.settings);
        return;
      case 'reply':
        this.rpc.settle(message);
        return;
    }
  }

  private async showResult(a: CompareSideView, b: CompareSideView, settings: PanelSettingsView): Promise<void> {
    this.views = { a, b };
    await Promise.all([this.a.show(a, settings.topK), this.b.show(b, settings.topK)]);
    const ma = this.a.model;
    const mb = this.b.model;
    const sideOf = (m: ResultModel) => ({ model: m.result.model, outputs: { ...m.outputs, gates: m.hasGates } });
    this.comparability = ma && mb ? compareSides(sideOf(ma), sideOf(mb)) : undefined;
    // With one side failed, the other still offers its own quantities.
    const only = ma ?? mb;
    const c = this.comparability ?? (only ? compareSides(sideOf(only), sideOf(only)) : NOTHING_IN_COMMON);
    const steps = Math.max(ma?.steps ?? 1, mb?.steps ?? 1);
    const base = defaultCompareUi(c, steps, (ma ?? mb)?.result.top[0]?.label, settings);
    const saved = this.restored && sameSources(this.restored, a, b) ? this.restored.ui : undefined;
    this.restored = undefined;
    this.ui = restoreCompareUi(base, saved, c, steps);
    this.controls.setOptions(c, Math.min(ma?.hiddenWidth ?? 1, mb?.hiddenWidth ?? 1) - 1);
    this.timeline.configure(steps, settings.playIntervalMs, c.quantities.length > 0);
    this.dom.notes.textContent = c.notes.join(' ');
    setShown(this.dom.notes, c.notes.length > 0);
    setShown(this.dom.loading, false);
    this.dom.main.dataset.state = 'result';
    this.update({});
  }

  private update(patch: Partial<CompareUi>): void {
    if (!this.ui) return;
    this.ui = { ...this.ui, ...patch };
    this.controls.sync(this.ui);
    if (this.views) this.vscode.setState({ a: this.views.a.source, b: this.views.b.source, ui: { ...this.ui } });
    this.requestFrame();
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.paint();
    });
  }

  private paint(): void {
    const ui = this.ui;
    if (!ui) return;
    const frames = compareFrames(this.a.model, this.b.model, this.comparability, ui);
    const lut = frames.scale === 'difference' ? divergingLut() : colormapLut(ui.colormap);
    this.a.paint(frames.a, lut, ui.opacity);
    this.b.paint(frames.b, lut, ui.opacity);
    const steps = Math.max(this.a.model?.steps ?? 1, this.b.model?.steps ?? 1);
    this.timeline.show(ui.timestep, `Step ${ui.timestep} of ${steps}`);
    renderCompareLegend(this.dom.legend, frames.scale, ui.colormap, frames.range, QUANTITY_NAMES[ui.quantity]);
    this.dom.differenceNote.textContent = frames.differenceNote ?? '';
    setShown(this.dom.differenceNote, !!frames.differenceNote);
    this.dom.main.dataset.difference = !ui.difference ? 'off' : frames.scale === 'difference' ? 'on' : 'unavailable';
    this.dom.main.dataset.timestep = String(ui.timestep);
  }

  private async copySummary(): Promise<void> {
    if (!this.views) return;
    const side = (v: CompareSideView) => ({
      image: v.source.imagePath,
      model: v.result ? { name: v.result.model.name, hash: v.result.model.hash, path: v.result.model.path } : v.modelLabel,
      top: v.result?.top.map((p) => ({ label: p.label, score: Number(p.score.toFixed(6)) })),
      error: v.error?.message,
    });
    const text = JSON.stringify({ a: side(this.views.a), b: side(this.views.b) }, null, 2);
    await this.rpc.request((m) => this.vscode.postMessage(m), { type: 'copyText', text }).catch(() => undefined);
  }
}

function sameSources(saved: ComparePersistedState, a: CompareSideView, b: CompareSideView): boolean {
  const same = (x: { imagePath: string; modelPath?: string }, y: { imagePath: string; modelPath?: string }) => x.imagePath === y.imagePath && x.modelPath === y.modelPath;
  return same(saved.a, a.source) && same(saved.b, b.source);
}
