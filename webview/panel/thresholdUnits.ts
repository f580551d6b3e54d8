/** The threshold slider in the legend's units (see syncThreshold). Pure, so it is unit-tested. */
import type { ValueRange } from '../../src/core/heatmap/normalize';
import { formatValue } from '../shared/format';

/**
 * The threshold slider in the legend's units: from the shown quantity's minimum to its
 * maximum. The state keeps the position as a fraction of that range (what the painter
 * compares against), so switching quantities keeps the same relative cut.
 */
export function syncThreshold(input: HTMLInputElement, output: HTMLOutputElement, fraction: number, range: ValueRange | undefined): void {
  const usable = !!range && range.max > range.min;
  input.disabled = !usable;
  if (!usable) {
    output.textContent = range ? formatValue(range.min) : '–';
    return;
  }
  const span = range.max - range.min;
  input.min = String(range.min);
  input.max = String(range.max);
  input.step = String(span / 100);
  input.value = String(range.min + fraction * span);
  output.textContent = fraction > 0 ? `< ${formatValue(range.min + fraction * span)}` : 'off';
}

export function thresholdFromUnits(value: number, range: ValueRange | undefined): number {
  if (!range || !(range.max > range.min) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, (value - range.min) / (range.max - range.min)));
}
