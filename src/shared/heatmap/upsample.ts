/**
 * Bilinear upsampling of the M×N grid to canvas pixels.
 *
 * Grid values are treated as samples at cell centres: cell c of an axis with n cells
 * covers [c/n, (c+1)/n) of the crop and its value sits at (c + 0.5)/n. Pixel p's centre
 * (p + 0.5) is mapped into the crop, converted to a continuous cell coordinate and
 * interpolated between the two nearest cell centres; beyond the outermost centres the
 * value is clamped (held flat) rather than extrapolated.
 *
 * The per-axis work is factored into an AxisSampling table computed once per canvas
 * size, so redrawing while scrubbing costs one pass over the pixels.
 */

export interface AxisSampling {
  /** Lower and upper neighbouring cell indices of each pixel. */
  i0: Int32Array;
  i1: Int32Array;
  /** Weight of i1 (the weight of i0 is 1 − w). */
  w: Float32Array;
  /** The cell containing the pixel's centre, or -1 when the pixel lies outside the crop. */
  cell: Int32Array;
}

/**
 * Sampling table for one axis: `pixels` canvas pixels, the crop occupying
 * [start, start + length) of them (fractional), divided into `cells` cells.
 */
export function sampleAxis(cells: number, start: number, length: number, pixels: number): AxisSampling {
  const i0 = new Int32Array(pixels);
  const i1 = new Int32Array(pixels);
  const w = new Float32Array(pixels);
  const cell = new Int32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const u = (p + 0.5 - start) / length; // 0…1 across the crop
    if (!(u >= 0 && u < 1) || cells <= 0) {
      cell[p] = -1;
      continue;
    }
    cell[p] = Math.min(cells - 1, Math.floor(u * cells));
    const g = Math.min(cells - 1, Math.max(0, u * cells - 0.5));
    const lo = Math.floor(g);
    i0[p] = lo;
    i1[p] = Math.min(cells - 1, lo + 1);
    w[p] = g - lo;
  }
  return { i0, i1, w, cell };
}

/**
 * Interpolates `grid` (rows × cols, row-major) at every pixel of the xs × ys sampling.
 * Pixels outside the crop get NaN. With `visible`, only cells whose flag is 1
 * contribute (weights renormalised), so no value leaks from a hidden cell into its
 * visible neighbours; pixels whose own cell is hidden get NaN.
 */
export function upsampleBilinear(
  grid: ArrayLike<number>,
  cols: number,
  xs: AxisSampling,
  ys: AxisSampling,
  visible?: ArrayLike<number>,
  out: Float32Array = new Float32Array(xs.cell.length * ys.cell.length),
): Float32Array {
  const width = xs.cell.length;
  for (let y = 0; y < ys.cell.length; y++) {
    const row = ys.cell[y];
    const r0 = ys.i0[y] * cols;
    const r1 = ys.i1[y] * cols;
    const wy = ys.w[y];
    for (let x = 0; x < width; x++) {
      const o = y * width + x;
      const col = xs.cell[x];
      if (row < 0 || col < 0 || (visible && !visible[row * cols + col])) {
        out[o] = NaN;
        continue;
      }
      const c0 = xs.i0[x];
      const c1 = xs.i1[x];
      const wx = xs.w[x];
      const w00 = (1 - wx) * (1 - wy);
      const w01 = wx * (1 - wy);
      const w10 = (1 - wx) * wy;
      const w11 = wx * wy;
      if (!visible) {
        out[o] = w00 * grid[r0 + c0] + w01 * grid[r0 + c1] + w10 * grid[r1 + c0] + w11 * grid[r1 + c1];
        continue;
      }
      const v00 = visible[r0 + c0] ? w00 : 0;
      const v01 = visible[r0 + c1] ? w01 : 0;
      const v10 = visible[r1 + c0] ? w10 : 0;
      const v11 = visible[r1 + c1] ? w11 : 0;
      const sum = v00 + v01 + v10 + v11;
      out[o] =
        sum > 0
          ? (v00 * grid[r0 + c0] + v01 * grid[r0 + c1] + v10 * grid[r1 + c0] + v11 * grid[r1 + c1]) / sum
          : grid[row * cols + col];
    }
  }
  return out;
}

/** Convenience: the whole grid resized to width × height pixels (crop = the full canvas). */
export function bilinearResize(grid: ArrayLike<number>, rows: number, cols: number, width: number, height: number): Float32Array {
  return upsampleBilinear(grid, cols, sampleAxis(cols, 0, width, width), sampleAxis(rows, 0, height, height));
}
