/**
 * Scaling a quantity to [0, 1] for the colormap. The range is taken over the whole
 * sequence (all L timesteps), not just the revealed prefix, so colours keep their
 * meaning while the user scrubs through time.
 */

export interface ValueRange {
  min: number;
  max: number;
}

/** Range of the finite values; undefined when there are none. */
export function finiteRange(values: ArrayLike<number>): ValueRange | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : undefined;
}

/**
 * Min-max scaling to [0, 1]. Robust to degenerate input: a constant array (or one with
 * no finite values) maps to all zeros, and NaN/±Infinity entries map to 0 instead of
 * poisoning the range.
 */
export function normalizeToUnit(values: ArrayLike<number>, range = finiteRange(values)): Float32Array {
  const out = new Float32Array(values.length);
  if (!range || !(range.max > range.min)) return out;
  const span = range.max - range.min;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - range.min) / span)) : 0;
  }
  return out;
}
