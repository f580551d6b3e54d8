/**
 * Paints a normalised grid over one side's image with any colour table (a colormap, or the
 * diverging scale of the difference), through the shared raster code. Unlike the classify
 * panel's HeatmapLayer it takes the table itself, since the difference scale is not a
 * named colormap. Sampling tables and pixels are reused until the canvas or crop changes.
 */
import type { Rect } from '../../src/shared/heatmap/alignment';
import { paintHeatmap } from '../../src/shared/heatmap/raster';
import { sampleAxis, type AxisSampling } from '../../src/shared/heatmap/upsample';

/** Unread cells: darkened and hatched, as in the classify panel, so "unread" never looks like "low". */
const UNREAD_VEIL = [0, 0, 0, 100] as const;
const UNREAD_HATCH = [255, 255, 255, 46] as const;

export interface GridPaint {
  grid: Float32Array;
  rows: number;
  cols: number;
  visible: Uint8Array;
  lut: Uint8Array;
  opacity: number;
}

export class GridPainter {
  private key = '';
  private xs: AxisSampling | undefined;
  private ys: AxisSampling | undefined;
  private image: ImageData | undefined;
  private readonly ctx: CanvasRenderingContext2D | null;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
  }

  clear(): void {
    this.ctx?.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  draw(p: GridPaint, crop: Rect): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const { width, height } = this.canvas;
    const key = `${width}x${height}|${crop.x},${crop.y},${crop.width},${crop.height}|${p.rows}x${p.cols}`;
    if (key !== this.key || !this.image) {
      this.key = key;
      this.xs = sampleAxis(p.cols, crop.x, crop.width, width);
      this.ys = sampleAxis(p.rows, crop.y, crop.height, height);
      this.image = ctx.createImageData(width, height);
    }
    paintHeatmap(
      { grid: p.grid, cols: p.cols, xs: this.xs!, ys: this.ys!, visible: p.visible, lut: p.lut, opacity: p.opacity, threshold: 0, unreadVeil: UNREAD_VEIL, unreadHatch: UNREAD_HATCH },
      this.image.data,
    );
    ctx.putImageData(this.image, 0, 0);
  }
}
