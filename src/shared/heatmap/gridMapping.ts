/**
 * From timesteps to the M×N grid the RNN read: each timestep's value goes to the cell
 * the scan order read at that step (docs/model-contract.md, "Scan order").
 */
import { cellAt, stepOfCell, type ScanOrder } from '../../core/model/scanOrder';

export interface GridShape {
  rows: number;
  cols: number;
  order: ScanOrder;
}

/** grid[row * cols + col] = values[the timestep at which (row, col) is read]. */
export function timestepsToGrid(values: ArrayLike<number>, shape: GridShape): Float32Array {
  const steps = stepOfCell(shape.rows, shape.cols, shape.order);
  const grid = new Float32Array(steps.length);
  for (let cell = 0; cell < steps.length; cell++) grid[cell] = values[steps[cell]];
  return grid;
}

/**
 * Which cells have been read after timestep `t` (0-based, inclusive): 1 for cells read
 * at steps 0…t, 0 for those still ahead.
 */
export function readCellsMask(shape: GridShape, t: number): Uint8Array {
  const steps = stepOfCell(shape.rows, shape.cols, shape.order);
  const mask = new Uint8Array(steps.length);
  for (let cell = 0; cell < steps.length; cell++) mask[cell] = steps[cell] <= t ? 1 : 0;
  return mask;
}

/** Cell centres in timestep order, in grid units (column + 0.5, row + 0.5): the scan path. */
export function scanPathPoints(shape: GridShape): { x: number; y: number }[] {
  const points: { x: number; y: number }[] = [];
  for (let t = 0; t < shape.rows * shape.cols; t++) {
    const { row, col } = cellAt(t, shape.rows, shape.cols, shape.order);
    points.push({ x: col + 0.5, y: row + 0.5 });
  }
  return points;
}

export interface AttendedCell {
  row: number;
  col: number;
  /** 0-based timestep at which the cell is read. */
  step: number;
  weight: number;
}

/** The k cells with the largest attention weight, heaviest first (ties: earlier step first; NaN skipped). */
export function topAttendedCells(attention: ArrayLike<number>, shape: GridShape, k: number): AttendedCell[] {
  const steps: number[] = [];
  for (let t = 0; t < shape.rows * shape.cols && t < attention.length; t++) {
    if (Number.isFinite(attention[t])) steps.push(t);
  }
  steps.sort((a, b) => attention[b] - attention[a] || a - b);
  return steps.slice(0, Math.max(0, k)).map((step) => ({ ...cellAt(step, shape.rows, shape.cols, shape.order), step, weight: attention[step] }));
}
