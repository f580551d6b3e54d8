/**
 * Vector marks over the heatmap: the outline of the cell being read at the current step
 * and, on request, the scan path (a polyline through cell centres in reading order).
 * Kept on its own canvas so the heatmap canvas holds heatmap pixels only.
 */
import { cellRect, type Rect } from '../../src/shared/heatmap/alignment';
import type { GridShape } from '../../src/shared/heatmap/gridMapping';
import { scanPathPoints } from '../../src/shared/heatmap/gridMapping';
import { cellAt } from '../../src/core/model/scanOrder';

export interface AnnotationColors {
  outline: string;
  outlineHalo: string;
  path: string;
}

/** Draws onto any 2D context (the on-screen layer or the PNG export). */
export function drawAnnotations(
  ctx: CanvasRenderingContext2D,
  shape: GridShape,
  crop: Rect,
  step: number | undefined,
  showScanOrder: boolean,
  colors: AnnotationColors,
  scale: number,
): void {
  if (showScanOrder) drawScanPath(ctx, shape, crop, colors.path, scale);
  if (step !== undefined) {
    const { row, col } = cellAt(step, shape.rows, shape.cols, shape.order);
    const r = cellRect(row, col, shape.rows, shape.cols, crop);
    // A dark halo under a bright line keeps the outline visible on any image and colormap.
    ctx.lineJoin = 'miter';
    ctx.strokeStyle = colors.outlineHalo;
    ctx.lineWidth = 4 * scale;
    ctx.strokeRect(r.x + 1 * scale, r.y + 1 * scale, r.width - 2 * scale, r.height - 2 * scale);
    ctx.strokeStyle = colors.outline;
    ctx.lineWidth = 2 * scale;
    ctx.strokeRect(r.x + 1 * scale, r.y + 1 * scale, r.width - 2 * scale, r.height - 2 * scale);
  }
}

function drawScanPath(ctx: CanvasRenderingContext2D, shape: GridShape, crop: Rect, color: string, scale: number): void {
  const points = scanPathPoints(shape).map((p) => ({
    x: crop.x + (p.x / shape.cols) * crop.width,
    y: crop.y + (p.y / shape.rows) * crop.height,
  }));
  if (points.length === 0) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 1.5 * scale;
  ctx.lineJoin = 'round';
  ctx.globalAlpha = 0.9;
  ctx.beginPath();
  points.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
  ctx.stroke();
  // Start marked by a dot, end by an arrow head, so the direction is readable.
  const start = points[0];
  ctx.beginPath();
  ctx.arc(start.x, start.y, 3.5 * scale, 0, Math.PI * 2);
  ctx.fill();
  if (points.length > 1) {
    const a = points[points.length - 2];
    const b = points[points.length - 1];
    const angle = Math.atan2(b.y - a.y, b.x - a.x);
    const size = 8 * scale;
    ctx.beginPath();
    ctx.moveTo(b.x, b.y);
    ctx.lineTo(b.x - size * Math.cos(angle - 0.45), b.y - size * Math.sin(angle - 0.45));
    ctx.lineTo(b.x - size * Math.cos(angle + 0.45), b.y - size * Math.sin(angle + 0.45));
    ctx.closePath();
    ctx.fill();
  }
  ctx.restore();
}

export class AnnotationLayer {
  constructor(private readonly canvas: HTMLCanvasElement) {}

  draw(shape: GridShape, crop: Rect, step: number | undefined, showScanOrder: boolean, colors: AnnotationColors): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    // Line widths are in CSS pixels; the backing store may be denser (device pixels) or capped.
    const scale = this.canvas.width / Math.max(1, this.canvas.clientWidth);
    drawAnnotations(ctx, shape, crop, step, showScanOrder, colors, scale);
  }

  clear(): void {
    this.canvas.getContext('2d')?.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }
}
