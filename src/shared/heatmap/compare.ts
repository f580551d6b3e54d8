/**
 * One quantity seen on two classifications: a colour scale both sides share (so equal
 * colours mean equal values), and the cell-wise difference A − B on a scale symmetric
 * about zero (so "no change" always has the neutral colour). Pure and browser-safe.
 */
import { finiteRange, type ValueRange } from './normalize';

/** The range that covers both sides; undefined when neither has a finite value. */
export function sharedRange(a: ValueRange | undefined, b: ValueRange | undefined): ValueRange | undefined {
  if (!a) return b && { ...b };
  if (!b) return { ...a };
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/** A − B, cell by cell; NaN where either side is not finite. The grids must have the same size. */
export function differenceGrid(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  if (a.length !== b.length) throw new RangeError(`cannot subtract grids of ${a.length} and ${b.length} cells`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    out[i] = Number.isFinite(a[i]) && Number.isFinite(b[i]) ? d : NaN;
  }
  return out;
}

/** [−m, m] with m the largest |value| among the finite ones; undefined when there are none. */
export function symmetricRange(values: ArrayLike<number>): ValueRange | undefined {
  const r = finiteRange(values);
  if (!r) return undefined;
  const m = Math.max(Math.abs(r.min), Math.abs(r.max));
  return { min: -m, max: m };
}

/**
 * Maps [−m, m] onto [0, 1] with 0 at 0.5, the diverging colormap's neutral middle.
 * Non-finite values and an all-zero difference (m = 0) map to 0.5: "no difference".
 */
export function normalizeDiverging(values: ArrayLike<number>, range: ValueRange | undefined): Float32Array {
  const out = new Float32Array(values.length).fill(0.5);
  const m = range ? Math.max(Math.abs(range.min), Math.abs(range.max)) : 0;
  if (!(m > 0)) return out;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) out[i] = Math.min(1, Math.max(0, 0.5 + v / (2 * m)));
  }
  return out;
}

/** Per cell 1 where both masks are 1: a cell shows a difference only once both sides have read it. */
export function bothRead(a: ArrayLike<number>, b: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.min(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = a[i] && b[i] ? 1 : 0;
  return out;
}
