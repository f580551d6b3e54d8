/**
 * Occlusion windows of w × w cells, stride 1, and their drops turned into one score per
 * timestep. Window 1: one cell per window. Window 2: the (M-1)(N-1) windows that fit in
 * the grid (all cells when a side is 1); a cell's score is the mean drop of the windows
 * that cover it.
 */
import { type ScanOrder, cellAt, stepOfCell } from '../model/scanOrder';
import type { GridShape } from './cellRegions';

export type OcclusionWindow = 1 | 2;

/** Each window as the timesteps whose cells it covers. */
export function occlusionWindows(grid: GridShape, order: ScanOrder, window: OcclusionWindow): number[][] {
  const steps = stepOfCell(grid.rows, grid.cols, order);
  const h = Math.min(window, grid.rows);
  const w = Math.min(window, grid.cols);
  const out: number[][] = [];
  for (let r = 0; r + h <= grid.rows; r++) {
    for (let c = 0; c + w <= grid.cols; c++) {
      const cells: number[] = [];
      for (let dr = 0; dr < h; dr++) for (let dc = 0; dc < w; dc++) cells.push(steps[(r + dr) * grid.cols + c + dc]);
      out.push(cells.sort((a, b) => a - b));
    }
  }
  return out;
}

/** Per-timestep score: the mean of the drops of the windows covering that timestep's cell. */
export function scoresFromWindows(windows: readonly number[][], drops: ArrayLike<number>, steps: number): Float32Array {
  const sum = new Float64Array(steps);
  const count = new Uint32Array(steps);
  windows.forEach((cells, i) => {
    for (const t of cells) {
      sum[t] += drops[i];
      count[t]++;
    }
  });
  return Float32Array.from(sum, (s, t) => (count[t] ? s / count[t] : 0));
}

/** (row, col) of every timestep, in scan order. */
export function cellsInScanOrder(grid: GridShape, order: ScanOrder): Array<[number, number]> {
  return Array.from({ length: grid.rows * grid.cols }, (_, t) => {
    const { row, col } = cellAt(t, grid.rows, grid.cols, order);
    return [row, col];
  });
}
