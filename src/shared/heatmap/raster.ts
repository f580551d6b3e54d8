/**
 * Turns a normalised grid into RGBA pixels for a canvas (ImageData layout), so the
 * webview only has to hand the buffer to putImageData. Kept free of DOM types so the
 * exact pixels can be unit-tested.
 *
 * This runs on every scrub step for up to ~1.2 million pixels, so it does the
 * bilinear interpolation separably (a horizontal pass over the M grid rows, then one
 * lerp per pixel) and writes one packed 32-bit colour per pixel. The result equals
 * upsampleBilinear's (the unit tests hold it to that).
 */
import { lutIndex, LUT_SIZE } from './colormaps';
import type { AxisSampling } from './upsample';

/** RGBA (0–255). */
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
export function paintHeatmap(p: HeatmapPaint, out?: Uint8ClampedArray): Uint8ClampedArray {
  const { xs, ys, grid, cols, visible } = p;
  const width = xs.cell.length;
  const height = ys.cell.length;
  const rows = Math.round(grid.length / cols);
  const rgba = out ?? new Uint8ClampedArray(width * height * 4);
  // Packed in the platform's byte order by going through the same byte layout as `rgba`.
  const pixels = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
  const alpha = Math.round(Math.min(1, Math.max(0, p.opacity)) * 255);
  const colours = packedLut(p.lut, alpha);
  const veil = p.unreadVeil ?? [0, 0, 0, 0];
  const [veilColour, hatchColour] = packColours([veil, p.unreadHatch ?? veil]);

  // Horizontal pass: each grid row interpolated at every pixel column. With a mask, the
  // weights of unread cells are zeroed and their sum kept, to renormalise afterwards.
  const num = new Float32Array(rows * width);
  const den = visible ? new Float32Array(rows * width) : undefined;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let x = 0; x < width; x++) {
      if (xs.cell[x] < 0) continue;
      const c0 = base + xs.i0[x];
      const c1 = base + xs.i1[x];
      let a = 1 - xs.w[x];
      let b = xs.w[x];
      if (visible && den) {
        a *= visible[c0] ? 1 : 0;
        b *= visible[c1] ? 1 : 0;
        den[r * width + x] = a + b;
      }
      num[r * width + x] = a * grid[c0] + b * grid[c1];
    }
  }

  // Vertical pass and colouring, one pixel row at a time.
  for (let y = 0; y < height; y++) {
    const rowStart = y * width;
    const row = ys.cell[y];
    if (row < 0) {
      pixels.fill(0, rowStart, rowStart + width);
      continue;
    }
    const n0 = ys.i0[y] * width;
    const n1 = ys.i1[y] * width;
    const wy = ys.w[y];
    const cellRow = row * cols;
    for (let x = 0; x < width; x++) {
      const col = xs.cell[x];
      if (col < 0) {
        pixels[rowStart + x] = 0;
        continue;
      }
      let v: number;
      if (visible && den) {
        if (!visible[cellRow + col]) {
          pixels[rowStart + x] = (x + y) % HATCH_PERIOD < HATCH_WIDTH ? hatchColour : veilColour;
          continue;
        }
        const d = (1 - wy) * den[n0 + x] + wy * den[n1 + x];
        v = d > 0 ? ((1 - wy) * num[n0 + x] + wy * num[n1 + x]) / d : grid[cellRow + col];
      } else {
        v = (1 - wy) * num[n0 + x] + wy * num[n1 + x];
      }
      pixels[rowStart + x] = v >= p.threshold ? colours[lutIndex(v)] : 0;
    }
  }
  return rgba;
}

function packedLut(lut: Uint8Array, alpha: number): Uint32Array {
  const bytes = new Uint8Array(LUT_SIZE * 4);
  for (let i = 0; i < LUT_SIZE; i++) {
    bytes[i * 4] = lut[i * 3];
    bytes[i * 4 + 1] = lut[i * 3 + 1];
    bytes[i * 4 + 2] = lut[i * 3 + 2];
    bytes[i * 4 + 3] = alpha;
  }
  return new Uint32Array(bytes.buffer);
}

function packColours(colours: readonly Rgba[]): Uint32Array {
  return new Uint32Array(Uint8Array.from(colours.flat()).buffer);
}
