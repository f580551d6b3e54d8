/**
 * Region occlusion in the model's input space (after crop/letterbox and normalisation):
 * the pixels of a feature-map cell are replaced by the preprocessing's mean colour.
 * In the normalised input, (mean - mean) / std = 0, so the mean colour is exactly 0 on
 * every channel: occluding a region writes zeros.
 */

export interface GridShape {
  rows: number;
  cols: number;
}

export interface InputShape {
  channels: number;
  height: number;
  width: number;
}

/** Pixel rows [y0, y1) and columns [x0, x1) of the input that cell (row, col) covers. */
export interface PixelRect {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * The input region of a grid cell. The grid divides the input evenly; when the input size
 * is not a multiple of the grid, boundaries are floor(i * size / cells), so the cells tile
 * the input without gaps or overlap.
 */
export function cellRect(row: number, col: number, grid: GridShape, input: InputShape): PixelRect {
  return {
    y0: Math.floor((row * input.height) / grid.rows),
    y1: Math.floor(((row + 1) * input.height) / grid.rows),
    x0: Math.floor((col * input.width) / grid.cols),
    x1: Math.floor(((col + 1) * input.width) / grid.cols),
  };
}

/** The normalised value of the preprocessing's mean colour: 0 on every channel. */
export const MEAN_COLOUR_NORMALISED = 0;

/** Writes the mean colour over one rectangle of the image stored at `offset` (CHW layout). */
export function fillRect(target: Float32Array, offset: number, input: InputShape, rect: PixelRect): void {
  const plane = input.height * input.width;
  for (let ch = 0; ch < input.channels; ch++) {
    for (let y = rect.y0; y < rect.y1; y++) {
      const start = offset + ch * plane + y * input.width;
      target.fill(MEAN_COLOUR_NORMALISED, start + rect.x0, start + rect.x1);
    }
  }
}

/**
 * One batch of occluded copies of `base` (one CHW image): copy i has the cells
 * `cellSets[i]` (given as (row, col) pairs) occluded. An empty set is the original.
 */
export function occludedBatch(
  base: Float32Array,
  cellSets: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
  grid: GridShape,
  input: InputShape,
): Float32Array {
  const size = input.channels * input.height * input.width;
  if (base.length !== size) throw new Error(`image has ${base.length} values, expected ${size}`);
  const out = new Float32Array(size * cellSets.length);
  cellSets.forEach((cells, i) => {
    out.set(base, i * size);
    for (const [row, col] of cells) fillRect(out, i * size, input, cellRect(row, col, grid, input));
  });
  return out;
}
