/**
 * A PNG preview for formats a webview cannot display (TIFF, some BMP variants), with the
 * same EXIF orientation and alpha handling as preprocessing, so the heatmap geometry
 * computed on the oriented image lines up with it.
 */
import { loadSharp } from './sharpLoader';
import { DEFAULT_MAX_PIXELS } from './preprocess';
import { classifyDecodeError } from './imageErrors';
import { readImageFile } from './imageFile';

export async function renderPreview(
  filePath: string,
  maxSide: number,
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<{ png: Uint8Array; width: number; height: number }> {
  try {
    const sharp = await loadSharp();
    const bytes = await readImageFile(filePath, maxPixels);
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .png({ compressionLevel: 3 })
      .toBuffer({ resolveWithObject: true });
    return { png: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    throw classifyDecodeError(filePath, err);
  }
}
