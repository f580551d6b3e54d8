/** The threshold slider works in the legend's units (see controls.ts syncThreshold). Pure, so it is unit-tested. */
import type { ValueRange } from '../../src/shared/heatmap/normalize';

export function thresholdFromUnits(value: number, range: ValueRange | undefined): number {
  if (!range || !(range.max > range.min) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, (value - range.min) / (range.max - range.min)));
}
