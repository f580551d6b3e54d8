/**
 * What each side of the compare panel paints for the current choices: the quantity on one
 * colour scale shared by both sides, or, with Difference on, A − B on a diverging scale.
 * Pure (no DOM), so the exact grids are unit-tested.
 */
import { differenceUnavailable, type Comparability } from '../../src/shared/comparability';
import { bothRead, differenceGrid, normalizeDiverging, sharedRange, symmetricRange } from '../../src/shared/heatmap/compare';
import { readCellsMask, timestepsToGrid } from '../../src/shared/heatmap/gridMapping';
import { normalizeToUnit, type ValueRange } from '../../src/shared/heatmap/normalize';
import type { QuantitySpec } from '../../src/shared/heatmap/quantities';
import type { ResultModel } from '../panel/resultModel';
import type { CompareUi } from './compareUi';

export interface SideFrame {
  /** rows × cols in [0, 1]. */
  grid: Float32Array;
  rows: number;
  cols: number;
  /** Per cell 1 = read at the side's current step. */
  visible: Uint8Array;
  /** The side's own timestep (1-based): a side with fewer steps stays at its last. */
  step: number;
}

export interface CompareFrames {
  a?: SideFrame;
  b?: SideFrame;
  scale: 'shared' | 'difference';
  /** Raw values at the ends of the legend. */
  range?: ValueRange;
  /** Why Difference is on but not drawn. */
  differenceNote?: string;
}

/** The choices as one side's QuantitySpec: the class is matched by name, the unit clamped to the side's width. */
export function sideSpec(ui: CompareUi, model: ResultModel): QuantitySpec {
  const classIndex = Math.max(0, model.result.model.labels.indexOf(ui.classLabel));
  const unit = Math.min(Math.max(0, model.hiddenWidth - 1), Math.max(0, ui.unit));
  return { kind: ui.quantity, direction: 'both', classIndex, unit };
}

interface RawSide {
  model: ResultModel;
  grid: Float32Array;
  mask: Uint8Array;
  range: ValueRange | undefined;
  step: number;
}

function rawSide(model: ResultModel | undefined, ui: CompareUi): RawSide | undefined {
  if (!model) return undefined;
  const q = model.gridQuantity(sideSpec(ui, model));
  if (!q) return undefined;
  const step = Math.min(model.steps, Math.max(1, ui.timestep));
  return { model, grid: timestepsToGrid(q.values, model.shape), mask: readCellsMask(model.shape, step - 1), range: q.range, step };
}

const frameOf = (s: RawSide, grid: Float32Array, visible = s.mask): SideFrame => ({
  grid,
  rows: s.model.shape.rows,
  cols: s.model.shape.cols,
  visible,
  step: s.step,
});

export function compareFrames(
  a: ResultModel | undefined,
  b: ResultModel | undefined,
  comparability: Comparability | undefined,
  ui: CompareUi,
): CompareFrames {
  const ra = rawSide(a, ui);
  const rb = rawSide(b, ui);
  let differenceNote: string | undefined;
  if (ui.difference) {
    const spec = a ? sideSpec(ui, a) : undefined;
    differenceNote = !ra || !rb || !comparability || !spec ? 'Both sides need a result to show their difference.' : differenceUnavailable(comparability, spec);
    if (ra && rb && !differenceNote) {
      const diff = differenceGrid(ra.grid, rb.grid);
      const range = symmetricRange(diff);
      const grid = normalizeDiverging(diff, range);
      const visible = bothRead(ra.mask, rb.mask);
      return { a: frameOf(ra, grid, visible), b: frameOf(rb, grid, visible), scale: 'difference', range };
    }
  }
  const range = sharedRange(ra?.range, rb?.range);
  return {
    a: ra && frameOf(ra, normalizeToUnit(ra.grid, range)),
    b: rb && frameOf(rb, normalizeToUnit(rb.grid, range)),
    scale: 'shared',
    range,
    differenceNote,
  };
}
