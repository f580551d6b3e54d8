/**
 * Paints a normalised grid onto a canvas, aligned with the model's crop. The per-axis
 * sampling tables and the pixel buffers are reused until the canvas size or the crop
 * changes, so a scrub step costs one pass over the pixels and one putImageData.
 */
import { colormapLut, type ColormapName } from '../../src/shared/heatmap/colormaps';
import { paintHeatmap, type Rgba } from '../../src/shared/heatmap/raster';
import { sampleAxis, type AxisSampling } from '../../src/shared/heatmap/upsample';
import type { Rect } from '../../src/shared/heatmap/alignment';

export interface HeatmapStyle {
  colormap: ColormapName;
  opacity: number;
  threshold: number;
}

export interface HeatmapFrame {
  grid: Float32Array;
  rows: number;
  cols: number;
  /** Per cell 1 = read so far; omitted = everything. */
  visible?: Uint8Array;
  style: HeatmapStyle;
  unreadVeil?: Rgba;
  unreadHatch?: Rgba;
}

/** Cells the RNN has not read yet at the current step: darkened and hatched, so "unread" never looks like "low". */
export const UNREAD_VEIL = [0, 0, 0, 100] as const;
export const UNREAD_HATCH = [255, 255, 255, 46] as const;

/** A frame whose colours come from a table (a colormap's, or the compare panel's diverging scale). */
export interface TableFrame {
  grid: Float32Array;
  rows: number;
  cols: number;
  visible?: Uint8Array;
  lut: Uint8Array;
  opacity: number;
  threshold: number;
  unreadVeil?: Rgba;
  unreadHatch?: Rgba;
}

export class HeatmapLayer {
  private key = '';
  private xs: AxisSampling | undefined;
  private ys: AxisSampling | undefined;
  private image: ImageData | undefined;

  private readonly ctx: CanvasRenderingContext2D | null;

  constructor(private readonly canvas: HTMLCanvasElement) {
    // Every frame is a putImageData of CPU-computed pixels (and tests read them back), so a
    // CPU-backed canvas is the right kind: no GPU upload/readback round trips.
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
  }

  clear(): void {
    this.ctx?.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draws the frame with the crop at `crop` (canvas pixels). */
  draw(frame: HeatmapFrame, crop: Rect): void {
    const { style, ...rest } = frame;
    this.drawTable({ ...rest, lut: colormapLut(style.colormap), opacity: style.opacity, threshold: style.threshold }, crop);
  }

  drawTable(frame: TableFrame, crop: Rect): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const { width, height } = this.canvas;
    const key = `${width}x${height}|${crop.x},${crop.y},${crop.width},${crop.height}|${frame.rows}x${frame.cols}`;
    if (key !== this.key || !this.image) {
      this.key = key;
      this.xs = sampleAxis(frame.cols, crop.x, crop.width, width);
      this.ys = sampleAxis(frame.rows, crop.y, crop.height, height);
      this.image = ctx.createImageData(width, height);
    }
    paintHeatmap({ ...frame, xs: this.xs!, ys: this.ys! }, this.image.data);
    ctx.putImageData(this.image, 0, 0);
  }
}
