/**
 * The attention view: α over the grid, upsampled over its own copy of the image, and the
 * most-attended cells listed. Time-independent (attention pools all steps), so it only
 * redraws when the result, the colormap or its size changes.
 */
import type { ColormapName } from '../../src/shared/heatmap/colormaps';
import { timestepsToGrid, topAttendedCells } from '../../src/shared/heatmap/gridMapping';
import { finiteRange, normalizeToUnit } from '../../src/shared/heatmap/normalize';
import { el, setShown } from '../shared/dom';
import { formatPercent } from '../shared/format';
import { HeatmapLayer } from './heatmapLayer';
import type { ImageStage } from './imageStage';
import type { ResultModel } from './resultModel';

const TOP_CELLS = 5;

export interface AttentionElements {
  stageHost: HTMLElement;
  range: HTMLElement;
  table: HTMLTableElement;
  unavailable: HTMLElement;
}

export class AttentionView {
  private readonly layer: HeatmapLayer;
  private grid: Float32Array | undefined;
  private model: ResultModel | undefined;
  private colormap: ColormapName = 'viridis';

  constructor(
    private readonly e: AttentionElements,
    private readonly stage: ImageStage,
    canvas: HTMLCanvasElement,
  ) {
    this.layer = new HeatmapLayer(canvas);
    stage.onResize = () => this.draw();
  }

  show(model: ResultModel, colormap: ColormapName): void {
    this.model = model;
    this.colormap = colormap;
    const attention = model.outputs.attention ? model.result.attention : undefined;
    setShown(this.e.stageHost, !!attention);
    setShown(this.e.table, !!attention);
    setShown(this.e.range, !!attention);
    setShown(this.e.unavailable, !attention);
    if (!attention) {
      this.grid = undefined;
      this.e.unavailable.textContent =
        model.result.model.head === 'attention'
          ? 'This model uses an attention head but did not return the `attention` output.'
          : 'This model has no attention: it classifies from the final RNN state.';
      this.layer.clear();
      return;
    }
    this.grid = timestepsToGrid(normalizeToUnit(attention), model.shape);
    // Colours are min–max scaled, which makes near-uniform attention look decisive; the raw range keeps it honest.
    const range = finiteRange(attention);
    this.e.range.textContent = range
      ? `Colours span α = ${formatPercent(range.min)} to ${formatPercent(range.max)} (uniform would be ${formatPercent(1 / model.steps)}).`
      : '';
    const rows = topAttendedCells(attention, model.shape, TOP_CELLS).map((c) =>
      el(
        'tr',
        {},
        el('td', { text: String(c.row) }),
        el('td', { text: String(c.col) }),
        el('td', { text: String(c.step + 1) }),
        el('td', { text: formatPercent(c.weight) }),
      ),
    );
    this.e.table.tBodies[0].replaceChildren(...rows);
    void this.stage.show(model.result.geometry, model.result.imageSrc).then(() => this.draw());
    this.draw();
  }

  setColormap(colormap: ColormapName): void {
    if (colormap === this.colormap) return;
    this.colormap = colormap;
    this.draw();
  }

  private draw(): void {
    const metrics = this.stage.metrics;
    if (!this.grid || !this.model || !metrics) return;
    this.layer.draw(
      {
        grid: this.grid,
        rows: this.model.shape.rows,
        cols: this.model.shape.cols,
        style: { colormap: this.colormap, opacity: 0.7, threshold: 0 },
      },
      metrics.crop,
    );
  }
}
