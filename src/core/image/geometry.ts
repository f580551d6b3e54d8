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
 */
export function computeCrop(srcW: number, srcH: number, outW: number, outH: number, policy: ResizePolicy): CropRect {
  if (policy === 'stretch') return { left: 0, top: 0, width: srcW, height: srcH };
  const scale = policy === 'center_crop' ? Math.max(outW / srcW, outH / srcH) : Math.min(outW / srcW, outH / srcH);
  const width = outW / scale;
  const height = outH / scale;
  return { left: (srcW - width) / 2, top: (srcH - height) / 2, width, height };
}
