/**
 * The labeling workers' decoder: the same pixels as preprocessImage (EXIF orientation,
 * alpha flattened onto white, sRGB/grey 8-bit, resize per the model's policy, then
 * (x/255 - mean)/std into CHW), about 2–4× faster for small files because it reads the
 * file in one go and skips the separate header pass (metadata) that the single-image
 * path needs for its geometry. The pixel limit is enforced by libvips itself
 * (limitInputPixels), before any pixel is decoded.
 * Worker-only: loads sharp (on the first file the WebAssembly path declines).
 */
import type { ModelInfo } from '../model/contract';
import { ImageError, classifyDecodeError } from '../image/imageErrors';
import { decodeWithStableError } from '../image/decodeGate';
import { readImageFileSync } from '../image/imageFile';
import { DecoderUnavailableError } from '../image/sharpLoader';
import { decodeAtInputSize, decodeToModelPixels, normalizeInto } from '../image/preprocess';

type InputSpec = Pick<ModelInfo, 'input' | 'preprocess'>;

export { maxFileBytes } from '../image/imageFile';

export async function decodeInto(
  filePath: string,
  spec: InputSpec,
  maxPixels: number,
  target: Float32Array,
  offset: number,
  contents?: Buffer,
): Promise<void> {
  try {
    const bytes = contents ?? readImageFileSync(filePath, maxPixels);
    if (bytes.length === 0) throw new ImageError('empty', filePath, '0 bytes');
    const data = await decodeWithStableError(
      () => decodeToModelPixels(bytes, spec, maxPixels, filePath),
      (err) => err instanceof ImageError || err instanceof DecoderUnavailableError,
    );
    normalizeInto(data, spec, target, offset);
  } catch (err) {
    throw classifyDecodeError(filePath, err);
  }
}

export { readJpegHeader, type JpegHeader } from '../image/jpegHeader';

/**
 * Decodes a batch into `target` (item k at k × plane). Files that already are plain RGB
 * JPEGs of the model's input size are decoded right here by the WebAssembly libjpeg-turbo
 * (bit-identical to sharp, about 10× cheaper per tiny file, see image/jpegWasm.ts);
 * everything else, and anything that decoder refuses, goes through `decodeOne` (sharp, in
 * parallel). Returns null (decoded) or the error per item.
 */
export async function decodeBatchInto(
  paths: readonly string[],
  spec: InputSpec,
  maxPixels: number,
  target: Float32Array,
  decodeOne: (index: number, contents: Buffer | undefined) => Promise<void>,
  /** Called with every file's bytes as read (e.g. to hash them without reading the file again). */
  onRead?: (index: number, contents: Buffer) => void,
): Promise<Array<ImageError | null>> {
  const { channels, height, width } = spec.input;
  const plane = channels * height * width;
  const errors: Array<ImageError | null> = new Array(paths.length).fill(null);
  const contents: Array<Buffer | undefined> = new Array(paths.length);
  const viaSharp: number[] = [];
  for (let i = 0; i < paths.length; i++) {
    try {
      contents[i] = readImageFileSync(paths[i], maxPixels);
    } catch (err) {
      errors[i] = classifyDecodeError(paths[i], err);
      continue;
    }
    onRead?.(i, contents[i]!);
    const pixels = decodeAtInputSize(contents[i]!, spec, maxPixels);
    if (pixels) normalizeInto(pixels, spec, target, i * plane);
    else viaSharp.push(i);
  }
  await Promise.all(
    viaSharp.map(async (i) => {
      try {
        await decodeOne(i, contents[i]);
      } catch (err) {
        errors[i] = classifyDecodeError(paths[i], err);
      }
    }),
  );
  return errors;
}
