/**
 * Turns a normalised grid into RGBA pixels for a canvas (ImageData layout), so the
 * webview only has to hand the buffer to putImageData. Kept free of DOM types so the
 * exact pixels can be unit-tested.
 */
import { lutIndex } from './colormaps';
import { upsampleBilinear, type AxisSampling } from './upsample';

/** RGBA (0–255) painted over cells the RNN has not read yet at the current step. */
export type Rgba = readonly [number, number, number, number];

export interface HeatmapPaint {
  /** Grid values in [0, 1], rows × cols row-major. */
  grid: ArrayLike<number>;
  cols: number;
  xs: AxisSampling;
  ys: AxisSampling;
  /** Per cell: 1 = revealed (read by the current step), 0 = still ahead. Omitted: all revealed. */
  visible?: ArrayLike<number>;
  /** LUT_SIZE × RGB table from colormapLut. */
  lut: Uint8Array;
  /** 0…1, alpha of painted pixels. */
  opacity: number;
  /** 0…1: interpolated values below it are left transparent. */
  threshold: number;
  /** Colour laid over unread cells, so "not yet read" is distinguishable from "low". */
  unreadVeil?: Rgba;
  /**
   * Colour of diagonal hatch lines over unread cells. A dark veil alone can look like the
   * dark end of a colormap (magma, inferno); a hatch cannot.
   */
  unreadHatch?: Rgba;
}

/** Hatch period in pixels, and how many pixels of each period are line. */
export const HATCH_PERIOD = 8;
const HATCH_WIDTH = 2;

/** Fills `out` (width × height × 4, width = xs length) and returns it. Outside the crop stays transparent. */
export function paintHeatmap(p: HeatmapPaint, out?: Uint8ClampedArray, scratch?: Float32Array): Uint8ClampedArray {
  const width = p.xs.cell.length;
  const height = p.ys.cell.length;
  const rgba = out ?? new Uint8ClampedArray(width * height * 4);
  const values = upsampleBilinear(p.grid, p.cols, p.xs, p.ys, p.visible, scratch);
  const alpha = Math.round(Math.min(1, Math.max(0, p.opacity)) * 255);
  const veil = p.unreadVeil ?? [0, 0, 0, 0];
  const hatch = p.unreadHatch ?? veil;
  for (let y = 0; y < height; y++) {
    const row = p.ys.cell[y];
    for (let x = 0; x < width; x++) {
      const o = y * width + x;
      const q = o * 4;
      const col = p.xs.cell[x];
      if (row < 0 || col < 0) {
        rgba[q] = rgba[q + 1] = rgba[q + 2] = rgba[q + 3] = 0;
        continue;
      }
      if (p.visible && !p.visible[row * p.cols + col]) {
        const c = (x + y) % HATCH_PERIOD < HATCH_WIDTH ? hatch : veil;
        rgba[q] = c[0];
        rgba[q + 1] = c[1];
        rgba[q + 2] = c[2];
        rgba[q + 3] = c[3];
        continue;
      }
      const v = values[o];
      if (!(v >= p.threshold)) {
        rgba[q] = rgba[q + 1] = rgba[q + 2] = rgba[q + 3] = 0;
        continue;
      }
      const l = lutIndex(v) * 3;
      rgba[q] = p.lut[l];
      rgba[q + 1] = p.lut[l + 1];
      rgba[q + 2] = p.lut[l + 2];
      rgba[q + 3] = alpha;
    }
  }
  return rgba;
}
