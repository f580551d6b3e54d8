/**
 * The panel's brain: receives host messages, owns the current result and the user's view
 * state, persists that state, and repaints (coalesced to one frame) when either changes.
 */
import type { ClassifyResultView, HostToPanel, PanelPersistedState, PanelResponses, PanelSettingsView, PanelToHost } from '../../src/shared/protocol';
import { RequestTracker } from '../../src/shared/messaging';
import { readCellsMask } from '../../src/shared/heatmap/gridMapping';
import { isExplainedKind } from '../../src/shared/heatmap/quantities';
import { cellAt } from '../../src/core/model/scanOrder';
import { setShown } from '../shared/dom';
import { themeColor } from '../shared/themeColors';
import type { VsCodeApi } from '../shared/vscodeApi';
import { AnnotationLayer, type AnnotationColors } from './annotationLayer';
import { AttentionView } from './attentionView';
import { Controls } from './controls';
import { ExplainSection } from './explainSection';
import { missingQuantityText } from './explainText';
import { composePng } from './exportPng';
import { renderHeader, renderHeaderForFile } from './headerView';
import { HeatmapLayer, UNREAD_HATCH, UNREAD_VEIL, type HeatmapFrame } from './heatmapLayer';
import { ImageStage } from './imageStage';
import { renderLegend } from './legend';
import type { PanelDom } from './panelDom';
import { predictionsJson } from './predictionsJson';
import { renderPredictions } from './predictionsView';
import { cellAtPoint, readoutText } from './hoverReadout';
import { exportFileName, heatmapExplainer, quantityCaption } from './quantityText';
import { afterPaint, markStage } from './paintTiming';
import { ResultModel } from './resultModel';
import { RunningPredictionView } from './runningPredictionView';
import { StatusLine } from './statusLine';
import { Timeline } from './timeline';
import type { ToolkitReady } from './toolkitLoader';
import {
  clampTimestep,
  defaultUiState,
  persistedState,
  quantitySpec,
  readPersistedState,
  restoreUiState,
  type PanelUiState,
} from './uiState';


type PanelState = 'empty' | 'loading' | 'result' | 'error';

export class PanelController {
  private readonly rpc = new RequestTracker<PanelToHost, PanelResponses>();
  private readonly mainStage: ImageStage;
  private readonly heatmap: HeatmapLayer;
  private readonly annotations: AnnotationLayer;
  private readonly timeline: Timeline;
  private readonly controls: Controls;
  private readonly running: RunningPredictionView;
  private readonly status: StatusLine;
  private readonly attention: AttentionView;
  private readonly explain: ExplainSection;
  private model: ResultModel | undefined;
  private ui: PanelUiState | undefined;
  private imagePath: string | undefined;
  /** What setState held when the page loaded: applied to the first result for the same image. */
  private restored: PanelPersistedState | undefined;
  private frameRequested = false;
  /** False until the first result's heatmap and controls are set up (after its first paint). */
  private detailsShown = false;
  private imageUrl: string | undefined;
  /** Where the pointer is over the stage, so the readout follows a scrub or a Show change. */
  private pointer: { offsetX: number; offsetY: number } | undefined;

  constructor(
    private readonly dom: PanelDom,
    private readonly vscode: VsCodeApi<PanelPersistedState>,
    private readonly toolkit: ToolkitReady,
  ) {
    this.restored = readPersistedState(vscode.getState());
    this.imagePath = this.restored?.imagePath;
    this.mainStage = new ImageStage(dom.stageHost, dom.stage, dom.image, [dom.heatmap, dom.annotations], 0.62, true);
    this.mainStage.onResize = () => this.requestFrame();
    this.heatmap = new HeatmapLayer(dom.heatmap);
    this.annotations = new AnnotationLayer(dom.annotations);
    const attentionStage = new ImageStage(dom.attention.stageHost, dom.attention.stage, dom.attention.image, [dom.attention.canvas], 0.3);
    this.attention = new AttentionView(dom.attention, attentionStage, dom.attention.canvas);
    this.timeline = new Timeline(dom.timestep, dom.play, dom.timestepLabel, [dom.stage], { onStep: (step) => this.update({ timestep: step }) });
    this.controls = new Controls(dom.controls, (patch) => this.update(patch));
    this.running = new RunningPredictionView(
      { step: dom.runningStep, note: dom.runningNote, bars: dom.runningPrediction, chart: dom.probChart, chartLegend: dom.probChartLegend, unavailable: dom.runningUnavailable },
      (step) => {
        this.timeline.stop();
        this.update({ timestep: step });
      },
    );
    this.status = new StatusLine(dom.status);
    this.explain = new ExplainSection(dom.panel, {
      request: (methods, window) => this.rpc.request((m) => this.post(m), { type: 'explain', methods, window }),
      cancel: () => this.post({ type: 'cancelExplain' }),
      explained: (model) => model === this.model && this.afterUiChange(),
    });
    dom.reclassify.addEventListener('click', () => this.post({ type: 'reclassify' }));
    dom.openSettings.addEventListener('click', () => this.post({ type: 'openSettings' }));
    dom.copyJson.addEventListener('click', () => void this.copyJson());
    dom.savePng.addEventListener('click', () => void this.savePng());
    dom.stage.addEventListener('pointermove', (e) => this.showReadout(e));
    dom.stage.addEventListener('pointerleave', () => this.showReadout(undefined));
    dom.explainerMore.addEventListener('click', (e) => {
      e.preventDefault();
      this.post({ type: 'openHelp' });
    });
    // A theme change restyles the HTML by itself; canvases read theme colours when drawn.
    new MutationObserver(() => {
      this.running.redraw();
      this.requestFrame();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  handle(message: HostToPanel): void {
    switch (message.type) {
      case 'loading':
        this.showLoading(message.imagePath, message.fileName);
        return;
      case 'result':
        this.showResult(this.withImageUrl(message.result), message.settings);
        return;
      case 'error':
        this.showError(message.imagePath, message.fileName, message.message, message.detail);
        return;
      case 'reply':
        this.rpc.settle(message);
        return;
      case 'explainProgress':
        this.explain.progress(message.done, message.total);
        return;
    }
  }

  /** The host sends the image's bytes (the page may not load files); they are shown through a blob: URL. */
  private withImageUrl(result: ClassifyResultView): ClassifyResultView {
    if (this.imageUrl) URL.revokeObjectURL(this.imageUrl);
    this.imageUrl = undefined;
    if (!result.image) return result;
    this.imageUrl = URL.createObjectURL(new Blob([result.image.bytes as Uint8Array<ArrayBuffer>], { type: result.image.mime }));
    return { ...result, imageSrc: this.imageUrl };
  }

  private post(message: PanelToHost): void {
    this.vscode.postMessage(message);
  }

  private setState(state: PanelState): void {
    this.dom.panel.dataset.state = state;
    setShown(this.dom.loading, state === 'loading');
    setShown(this.dom.error, state === 'error');
    // While re-classifying the same image the old result stays visible (dimmed by CSS) to avoid flicker.
    setShown(this.dom.result, state === 'result' || (state === 'loading' && !!this.model && this.model.result.imagePath === this.imagePath));
  }

  private showLoading(imagePath: string, fileName: string): void {
    this.timeline.stop();
    // Another image in this panel: the previous image's prediction must not be read as this one's.
    if (this.model && this.model.result.imagePath !== imagePath) this.dom.topLabel.textContent = '';
    this.imagePath = imagePath;
    renderHeaderForFile(this.dom.header, fileName, imagePath);
    this.dom.loadingText.textContent = `Classifying ${fileName}…`;
    this.setState('loading');
    this.persist();
    afterPaint(() => {
      markStage('loading-painted');
      void this.toolkitOrNot();
    });
  }

  private showError(imagePath: string, fileName: string, message: string, detail: string | undefined): void {
    this.timeline.stop();
    this.imagePath = imagePath;
    renderHeaderForFile(this.dom.header, fileName, imagePath);
    const lines = [message];
    // Details help ("expected 3 channels, got 1"); stack frames do not belong in a panel.
    const cleanDetail = detail?.split('\n').filter((l) => !/^\s*at\s/.test(l)).join('\n').trim();
    if (cleanDetail && cleanDetail !== message) lines.push(cleanDetail);
    this.dom.error.replaceChildren(...lines.map((text, i) => {
      const p = document.createElement('p');
      p.textContent = text;
      if (i > 0) p.className = 'error-detail';
      return p;
    }));
    this.setState('error');
    this.persist();
    afterPaint(() => void this.toolkitOrNot());
  }

  /**
   * Paints what answers "what is it?" at once (header, prediction, image), then, after that
   * paint and once the toolkit's components are defined, the heatmap, its controls and the
   * side cards (hidden until then, their space kept, so nothing moves).
   */
  private showResult(result: ClassifyResultView, settings: PanelSettingsView): void {
    this.timeline.stop();
    const previous = this.model;
    const model = new ResultModel(result);
    this.model = model;
    const base = defaultUiState(model, settings);
    if (this.restored?.imagePath === result.imagePath) {
      this.ui = restoreUiState(base, this.restored.ui, model, true);
    } else if (this.ui) {
      this.ui = restoreUiState(base, this.ui, model, previous?.result.imagePath === result.imagePath, previous?.result.model.labels);
    } else {
      this.ui = base;
    }
    this.restored = undefined;
    this.imagePath = result.imagePath;

    renderHeader(this.dom.header, result);
    renderPredictions(this.dom.predictions, this.dom.topLabel, result);
    this.setState('result');
    this.explain.reset(model);
    if (isExplainedKind(this.ui.quantity)) this.explain.ensure(this.ui.quantity);
    this.showNoImageNote(result, true);
    void this.mainStage.show(result.geometry, result.imageSrc).then((shown) => {
      if (this.model === model) this.showNoImageNote(result, shown);
    });
    this.persist();
    afterPaint(() => {
      markStage('result-painted');
      void this.toolkitOrNot().then(() => {
        if (this.model === model) this.showResultDetails(model, settings);
      });
    });
  }

  /** The heatmap, its controls, the timeline and the side cards for the result just painted. */
  private showResultDetails(model: ResultModel, settings: PanelSettingsView): void {
    if (!this.ui) return;
    this.controls.configure(model);
    this.timeline.configure(model.steps, settings.playIntervalMs, model.hasSequence);
    this.running.show(model, settings.topK);
    this.attention.show(model, this.ui.colormap);
    this.detailsShown = true;
    this.afterUiChange();
    this.dom.panel.dataset.details = 'shown';
    markStage('details-shown');
  }

  /** The toolkit's components; a page without them still shows its result, with plain controls. */
  private async toolkitOrNot(): Promise<void> {
    try {
      await this.toolkit();
    } catch (err) {
      this.status.show(`The panel's controls could not load: ${errorText(err)}`, true);
    }
  }

  private showNoImageNote(result: ClassifyResultView, shown: boolean): void {
    const displayable = !!result.imageSrc && shown;
    setShown(this.dom.noImage, !displayable);
    this.dom.noImage.textContent = displayable
      ? ''
      : `The ${result.geometry.format.toUpperCase() || 'image'} format cannot be displayed here; the heatmap is drawn over a neutral background.`;
  }

  private update(patch: Partial<PanelUiState>): void {
    if (!this.ui || !this.model || !this.detailsShown) return;
    const next = { ...this.ui, ...patch };
    next.timestep = clampTimestep(next.timestep, this.model.steps);
    const colormapChanged = next.colormap !== this.ui.colormap;
    this.ui = next;
    if (colormapChanged) this.attention.setColormap(next.colormap);
    if (patch.quantity && isExplainedKind(patch.quantity)) this.explain.ensure(patch.quantity);
    this.afterUiChange();
  }

  private afterUiChange(): void {
    if (!this.ui || !this.model) return;
    this.controls.sync(this.ui, this.model);
    this.persist();
    this.requestFrame();
  }

  private persist(): void {
    if (!this.imagePath) return;
    if (this.ui) this.vscode.setState(persistedState(this.imagePath, this.ui, this.model?.result.model.labels));
    else this.vscode.setState(persistedState(this.imagePath, this.restored?.ui as PanelUiState | undefined));
  }

  private requestFrame(): void {
    if (this.frameRequested || !this.detailsShown) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.drawFrame();
    });
  }

  /** Everything that depends on the timestep or the view choices. */
  private drawFrame(): void {
    const { model, ui } = this;
    if (!model || !ui) return;
    const step = ui.timestep - 1;
    const { row, col } = cellAt(step, model.shape.rows, model.shape.cols, model.shape.order);
    this.timeline.show(ui.timestep, `Step ${ui.timestep} of ${model.steps} · cell (${row}, ${col})`);

    const frame = this.heatmapFrame();
    const metrics = this.mainStage.metrics;
    if (metrics) {
      if (frame) this.heatmap.draw(frame, metrics.crop);
      else this.heatmap.clear();
      this.annotations.draw(model.shape, metrics.crop, model.hasSequence ? step : undefined, ui.showScanOrder, annotationColors());
    }
    const quantity = model.gridQuantity(quantitySpec(ui));
    renderLegend(
      this.dom.legend,
      ui.colormap,
      quantity?.range,
      quantity ? quantityCaption(ui, model) : missingQuantityText(ui.quantity),
    );
    this.dom.explainerText.textContent = quantity ? heatmapExplainer(ui, model) : '';
    if (this.pointer) this.showReadout(this.pointer);

    this.running.showStep(ui.timestep);
  }

  /** The readout for the cell under the pointer (CSS pixels in the stage), or the hint when there is none. */
  private showReadout(e: { offsetX: number; offsetY: number } | undefined): void {
    this.pointer = e && { offsetX: e.offsetX, offsetY: e.offsetY };
    const { model, ui } = this;
    const metrics = this.mainStage.metrics;
    let text = 'Point at the heatmap to read a cell.';
    if (e && model && ui && metrics && this.dom.stage.clientWidth > 0) {
      const scale = metrics.width / this.dom.stage.clientWidth;
      const cell = cellAtPoint(e.offsetX * scale, e.offsetY * scale, metrics.crop, model.shape.rows, model.shape.cols);
      text = cell ? readoutText(model, ui, cell.row, cell.col) : 'Not seen by the model: outside its input.';
    }
    this.dom.readout.textContent = text;
  }

  private heatmapFrame(): HeatmapFrame | undefined {
    const { model, ui } = this;
    if (!model || !ui) return undefined;
    const quantity = model.gridQuantity(quantitySpec(ui));
    if (!quantity) return undefined;
    return {
      grid: quantity.grid,
      rows: model.shape.rows,
      cols: model.shape.cols,
      visible: ui.timestep < model.steps ? readCellsMask(model.shape, ui.timestep - 1) : undefined,
      style: { colormap: ui.colormap, opacity: ui.opacity, threshold: ui.threshold },
      unreadVeil: UNREAD_VEIL,
      unreadHatch: UNREAD_HATCH,
    };
  }

  private async copyJson(): Promise<void> {
    if (!this.model) return;
    const text = predictionsJson(this.model.result);
    try {
      await this.rpc.request((m) => this.post(m), { type: 'copyText', text });
      this.status.show('Copied the predictions as JSON.');
    } catch (err) {
      this.status.show(`Could not copy: ${errorText(err)}`, true);
    }
  }

  private async savePng(): Promise<void> {
    const { model, ui } = this;
    const stage = this.mainStage.stageBounds;
    if (!model || !ui || !stage) return;
    this.timeline.stop();
    try {
      const png = await composePng({
        geometry: model.result.geometry,
        stage,
        imageSrc: model.result.imageSrc,
        frame: this.heatmapFrame(),
        shape: model.shape,
        step: model.hasSequence ? ui.timestep - 1 : undefined,
        showScanOrder: ui.showScanOrder,
        colors: { ...annotationColors(), background: themeColor('--vscode-editor-background', '#1e1e1e') },
      });
      const suggestedName = exportFileName(model.result.fileName, ui);
      const reply = await this.rpc.request((m) => this.post(m), { type: 'savePng', dataUrl: png.dataUrl, suggestedName });
      if (!('saved' in reply)) this.status.show('Save cancelled.');
      else this.status.show(`Saved ${reply.saved}${png.includesImage ? '' : ' (heatmap only: the image could not be drawn into the export)'}.`);
    } catch (err) {
      this.status.show(`Could not save the PNG: ${errorText(err)}`, true);
    }
  }
}

function annotationColors(): AnnotationColors {
  return {
    outline: '#ffffff',
    outlineHalo: 'rgba(0, 0, 0, 0.65)',
    path: themeColor('--vscode-charts-yellow', '#e2c08d'),
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
