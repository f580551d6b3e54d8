/**
 * The labeling workers' decoder: the same pixels as preprocessImage (EXIF orientation,
 * alpha flattened onto white, sRGB/grey 8-bit, resize per the model's policy, then
 * (x/255 - mean)/std into CHW), about 2–4× faster for small files because it reads the
 * file in one go and skips the separate header pass (metadata) that the single-image
 * path needs for its geometry. The pixel limit is enforced by libvips itself
 * (limitInputPixels), before any pixel is decoded.
 * Worker-only: imports sharp.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { ModelInfo } from '../model/contract';
import { ImageError, classifyDecodeError } from '../image/imageErrors';
import { normalizeInto } from '../image/preprocess';

type InputSpec = Pick<ModelInfo, 'input' | 'preprocess'>;

export async function decodeInto(filePath: string, spec: InputSpec, maxPixels: number, target: Float32Array, offset: number): Promise<void> {
  try {
    let bytes: Buffer;
    try {
      // Synchronous on purpose: this runs in a worker process whose thread only
      // orchestrates, and one read call beats four thread-pool round trips per file.
      bytes = readFileSync(filePath);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EISDIR') throw new ImageError('unreadable', filePath, 'it is a folder');
      throw err;
    }
    if (bytes.length === 0) throw new ImageError('empty', filePath, '0 bytes');
    const { channels, height: outH, width: outW, color } = spec.input;
    const { resize, mean } = spec.preprocess;
    const fit = resize === 'center_crop' ? 'cover' : resize === 'stretch' ? 'fill' : 'contain';
    const pad = mean.length === 3 ? mean : [mean[0], mean[0], mean[0]];
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .resize(outW, outH, {
        fit,
        position: 'centre',
        background: { r: Math.round(pad[0] * 255), g: Math.round(pad[1] * 255), b: Math.round(pad[2] * 255) },
      });
    pipeline = color === 'grey' ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.width !== outW || info.height !== outH || info.channels !== channels) {
      throw new ImageError('corrupt', filePath, `decoder produced ${info.width}×${info.height}×${info.channels}`);
    }
    normalizeInto(data, spec, target, offset);
  } catch (err) {
    throw classifyDecodeError(filePath, err);
  }
}
