/** A line chart of one series per epoch on a canvas, in the theme's colours. */
import { chartSeriesColors, themeColor } from '../shared/themeColors';

export interface CurveOptions {
  /** Fixed y range (accuracy: 0..1); undefined = from the data. */
  yMin?: number;
  yMax?: number;
  format: (y: number) => string;
}

export function drawCurve(canvas: HTMLCanvasElement, xs: number[], ys: Array<number | null>, o: CurveOptions): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 320;
  const h = canvas.clientHeight || 160;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const fg = themeColor('--vscode-foreground', '#ccc');
  const points = xs.map((x, i) => [x, ys[i]] as const).filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1]));
  const values = points.map((p) => p[1]);
  let lo = o.yMin ?? Math.min(...values, Infinity);
  let hi = o.yMax ?? Math.max(...values, -Infinity);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-9) hi = lo + 1;
  const left = 44;
  const bottom = h - 18;
  const xMax = Math.max(1, ...xs);
  const px = (x: number) => left + ((x - (xs.length > 1 ? Math.min(...xs) : 0)) / Math.max(1e-9, xMax - (xs.length > 1 ? Math.min(...xs) : 0))) * (w - left - 8);
  const py = (y: number) => 6 + (1 - (y - lo) / (hi - lo)) * (bottom - 6);
  ctx.strokeStyle = fg;
  ctx.globalAlpha = 0.35;
  ctx.beginPath();
  ctx.moveTo(left, 6);
  ctx.lineTo(left, bottom);
  ctx.lineTo(w - 8, bottom);
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.fillStyle = fg;
  ctx.font = '10px sans-serif';
  ctx.fillText(o.format(hi), 2, 12);
  ctx.fillText(o.format(lo), 2, bottom);
  ctx.fillText(`epoch ${xMax}`, w - 60, h - 4);
  if (!points.length) return;
  ctx.strokeStyle = chartSeriesColors()[0];
  ctx.fillStyle = chartSeriesColors()[0];
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
  ctx.stroke();
  for (const [x, y] of points) ctx.fillRect(px(x) - 2, py(y) - 2, 4, 4);
}
