/**
 * The parts of the stage the model never saw: the image outside the model's crop
 * (center_crop cuts the sides or top and bottom of a photo) and the crop outside the
 * image (letterbox padding, which the model saw as flat filler, not as the photo).
 * Rectangles in image pixels; pure, so it is unit-tested.
 */
import type { Rect } from '../../src/shared/heatmap/alignment';
import type { GeometryView } from '../../src/shared/protocol';

export interface UnseenRegion {
  rect: Rect;
  kind: 'outside-crop' | 'padding';
}

/** a minus b as at most four non-overlapping rectangles (left and right strips full height, then top and bottom). */
export function rectMinus(a: Rect, b: Rect): Rect[] {
  const ax2 = a.x + a.width;
  const ay2 = a.y + a.height;
  const bx2 = b.x + b.width;
  const by2 = b.y + b.height;
  const ix = Math.max(a.x, b.x);
  const ix2 = Math.min(ax2, bx2);
  const iy = Math.max(a.y, b.y);
  const iy2 = Math.min(ay2, by2);
  if (ix >= ix2 || iy >= iy2) return a.width > 0 && a.height > 0 ? [a] : [];
  const out: Rect[] = [];
  if (ix > a.x) out.push({ x: a.x, y: a.y, width: ix - a.x, height: a.height });
  if (ax2 > ix2) out.push({ x: ix2, y: a.y, width: ax2 - ix2, height: a.height });
  if (iy > a.y) out.push({ x: ix, y: a.y, width: ix2 - ix, height: iy - a.y });
  if (ay2 > iy2) out.push({ x: ix, y: iy2, width: ix2 - ix, height: ay2 - iy2 });
  return out;
}

export function unseenRegions(g: GeometryView): UnseenRegion[] {
  const image: Rect = { x: 0, y: 0, width: g.width, height: g.height };
  const crop: Rect = { x: g.crop.left, y: g.crop.top, width: g.crop.width, height: g.crop.height };
  // Sub-pixel slivers from rounding are not worth a label.
  const visible = (r: Rect) => r.width >= 1 && r.height >= 1;
  return [
    ...rectMinus(image, crop).filter(visible).map((rect) => ({ rect, kind: 'outside-crop' as const })),
    ...rectMinus(crop, image).filter(visible).map((rect) => ({ rect, kind: 'padding' as const })),
  ];
}
