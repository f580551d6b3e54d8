/**
 * Where the model's input lies in the source image, for each resize policy. The panel
 * uses this to draw the heatmap exactly over what the model saw.
 */
import type { ResizePolicy } from '../model/contract';

export interface CropRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The rectangle of the (oriented) source image that maps onto the whole model input.
 * center_crop: scale the shorter side to fit, crop the centre (rect inside the image).
 * stretch: the whole image. letterbox: the image fits inside, so the rect extends past
 * the image on the padded axis.
 *
 * Rounded the way sharp (and the model contract) do it: the scaled size is rounded to
 * whole pixels, w' = round(w·s), and placed by integer division: a letterboxed image at
 * ((W − w') div 2, (H − h') div 2), a centre crop starting at (w' − W + 1) div 2. The
 * source then spans exactly w' model pixels, so one model pixel is w / w' source pixels.
 */
export function computeCrop(srcW: number, srcH: number, outW: number, outH: number, policy: ResizePolicy): CropRect {
  if (policy === 'stretch') return { left: 0, top: 0, width: srcW, height: srcH };
  const cover = policy === 'center_crop';
  const scale = cover ? Math.max(outW / srcW, outH / srcH) : Math.min(outW / srcW, outH / srcH);
  const axis = (src: number, out: number): { start: number; length: number } => {
    const scaled = Math.max(1, Math.round(src * scale));
    const perPixel = src / scaled; // source pixels per model pixel
    // (0 − …, not −…: an unpadded axis starts at +0, never −0.)
    const offset = cover ? Math.floor((Math.max(scaled, out) - out + 1) / 2) : 0 - Math.floor((out - Math.min(scaled, out)) / 2);
    return { start: offset * perPixel, length: out * perPixel };
  };
  const x = axis(srcW, outW);
  const y = axis(srcH, outH);
  return { left: x.start, top: y.start, width: x.length, height: y.length };
}
