/**
 * One column of the compare panel: the image with its heatmap, the top-k prediction and
 * the running prediction (bars and chart), built from the classify panel's own pieces.
 */
import type { CompareSideHeader, CompareSideView } from '../../src/shared/compareProtocol';
import { setShown } from '../shared/dom';
import { renderBars } from '../shared/probabilityBars';
import { HeatmapLayer, UNREAD_HATCH, UNREAD_VEIL } from '../panel/heatmapLayer';
import { ImageStage } from '../panel/imageStage';
import { ResultModel } from '../panel/resultModel';
import { RunningPredictionView } from '../panel/runningPredictionView';
import type { SideDom } from './compareDom';
import type { SideFrame } from './compareFrames';

export class SideView {
  private readonly stage: ImageStage;
  private readonly painter: HeatmapLayer;
  private readonly running: RunningPredictionView;
  private imageUrl: string | undefined;
  model: ResultModel | undefined;

  constructor(
    private readonly e: SideDom,
    onScrub: (step: number) => void,
    onResize: () => void,
  ) {
    this.stage = new ImageStage(e.stageHost, e.stage, e.image, [e.heatmap], 0.38);
    this.stage.onResize = onResize;
    this.painter = new HeatmapLayer(e.heatmap);
    this.running = new RunningPredictionView(e.running, onScrub);
  }

  showHeader(h: CompareSideHeader): void {
    this.e.title.textContent = h.fileName;
    this.e.model.textContent = `Model: ${h.modelLabel}`;
  }

  /** Shows a side's result (or its error); resolves once the image is in place. */
  async show(view: CompareSideView, topK: number): Promise<void> {
    this.showHeader(view);
    if (this.imageUrl) URL.revokeObjectURL(this.imageUrl);
    this.imageUrl = undefined;
    const result = view.result;
    setShown(this.e.error, !result);
    setShown(this.e.body, !!result);
    this.e.error.textContent = view.error ? `${view.error.message}${view.error.detail ? `\n${view.error.detail}` : ''}` : '';
    this.model = result && new ResultModel(result);
    if (!result || !this.model) return;
    this.e.model.textContent = `Model: ${result.model.name} (${view.modelLabel}, ${result.model.grid[0]}×${result.model.grid[1]} grid) on ${result.provider}`;
    if (result.image) this.imageUrl = URL.createObjectURL(new Blob([result.image.bytes as Uint8Array<ArrayBuffer>], { type: result.image.mime }));
    this.e.topLabel.textContent = result.top[0]?.label ?? '';
    renderBars(this.e.predictions, result.top.map((p) => ({ label: p.label, probability: p.score })));
    this.running.show(this.model, topK);
    await this.stage.show(result.geometry, this.imageUrl ?? result.imageSrc);
  }

  paint(frame: SideFrame | undefined, lut: Uint8Array, opacity: number): void {
    const metrics = this.stage.metrics;
    if (!frame || !metrics) {
      this.painter.clear();
    } else {
      this.painter.drawTable({ ...frame, lut, opacity, threshold: 0, unreadVeil: UNREAD_VEIL, unreadHatch: UNREAD_HATCH }, metrics.crop);
    }
    if (frame) this.running.showStep(frame.step);
    this.e.heatmap.dataset.step = frame ? String(frame.step) : '';
  }

  redraw(): void {
    this.running.redraw();
  }
}
