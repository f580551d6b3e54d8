/** Number formatting shared by the webviews. */

export function formatPercent(p: number): string {
  return Number.isFinite(p) ? `${(p * 100).toFixed(1)}%` : '–';
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

/** Compact number for legends: 3 significant digits, scientific when tiny or huge. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}
