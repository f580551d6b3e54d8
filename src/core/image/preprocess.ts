/**
 * Decodes an image with sharp and turns it into the model's input tensor in one pipeline:
 * EXIF orientation, alpha flattened onto white, any colour space or bit depth to 8-bit
 * sRGB (or grey), resize per the model's policy (libvips shrinks large JPEGs while
 * decoding), then (x/255 - mean) / std into CHW float32.
 */
import { DecoderUnavailableError, loadSharp } from './sharpLoader';
import { decodeWithStableError } from './decodeGate';
import type { ModelInfo } from '../model/contract';
import { type CropRect, computeCrop } from './geometry';
import { ImageError, classifyDecodeError } from './imageErrors';
import { readImageFile } from './imageFile';
import { readJpegHeader } from './jpegHeader';
import { decodePlainJpegRgb } from './jpegWasm';

export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface PreprocessOptions {
  /** Images with more pixels than this are refused (decompression bombs). */
  maxPixels?: number;
  /** Write into this buffer at `offset` instead of allocating (batching). */
  target?: Float32Array;
  offset?: number;
}

export interface SourceGeometry {
  /** Size after EXIF orientation: what a viewer shows. */
  width: number;
  height: number;
  /** The region of the oriented image the model saw, in its pixels (may exceed it for letterbox). */
  crop: CropRect;
  format: string;
}

export interface Preprocessed {
  tensor: Float32Array;
  geometry: SourceGeometry;
  decodeMs: number;
}

type InputSpec = Pick<ModelInfo, 'input' | 'preprocess'>;

/** Per-channel affine (x * scale + bias) equivalent to (x/255 - mean)/std. */
function channelAffine(spec: InputSpec): { scale: Float32Array; bias: Float32Array } {
  const c = spec.input.channels;
  const scale = new Float32Array(c);
  const bias = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = 1 / (255 * spec.preprocess.std[i]);
    bias[i] = -spec.preprocess.mean[i] / spec.preprocess.std[i];
  }
  return { scale, bias };
}

/** HWC uint8 → CHW normalised float32. Exported for tests. */
export function normalizeInto(
  pixels: Uint8Array,
  spec: InputSpec,
  target: Float32Array,
  offset: number,
): void {
  const { channels: c, height: h, width: w } = spec.input;
  const plane = h * w;
  const { scale, bias } = channelAffine(spec);
  for (let ch = 0; ch < c; ch++) {
    const s = scale[ch];
    const b = bias[ch];
    const base = offset + ch * plane;
    for (let i = 0, j = ch; i < plane; i++, j += c) target[base + i] = pixels[j] * s + b;
  }
}

/**
 * The model's HWC uint8 pixels of a plain RGB JPEG that already has the model's input size
 * (nothing to resize, rotate or convert), decoded by WebAssembly libjpeg-turbo, bit-identical
 * to sharp (jpegWasm.ts); undefined for every other file, which then goes through sharp.
 */
export function decodeAtInputSize(bytes: Uint8Array, spec: InputSpec, maxPixels: number): Uint8Array | undefined {
  const { channels, height, width, color } = spec.input;
  if (color !== 'rgb' || channels !== 3 || width * height > maxPixels) return undefined;
  return decodePlainJpegRgb(bytes, width, height);
}

/**
 * The one pipeline from encoded bytes to the model's HWC uint8 pixels, shared by the
 * single-image path and the labeling workers so both feed the model identical tensors.
 */
export async function decodeToModelPixels(bytes: Buffer, spec: InputSpec, maxPixels: number, filePath: string): Promise<Buffer> {
  const { channels, height: outH, width: outW, color } = spec.input;
  const pixels = decodeAtInputSize(bytes, spec, maxPixels);
  if (pixels) return Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const { resize, mean } = spec.preprocess;
  const fit = resize === 'center_crop' ? 'cover' : resize === 'stretch' ? 'fill' : 'contain';
  const pad = mean.length === 3 ? mean : [mean[0], mean[0], mean[0]];
  const sharp = await loadSharp();
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
  return data;
}

/**
 * Size as displayed (EXIF orientation applied) and format. A plain JPEG (no EXIF, so
 * nothing to rotate) is read by a JS header parser; anything else asks libvips. This
 * saves a second libvips pass, the larger part of the fixed cost for small images.
 */
async function orientedSize(
  bytes: Buffer,
  maxPixels: number,
  filePath: string,
): Promise<{ width: number; height: number; format: string }> {
  const jpeg = readJpegHeader(bytes);
  let size: { width: number; height: number; format: string };
  if (jpeg && !jpeg.exif && jpeg.width > 0 && jpeg.height > 0) {
    size = { width: jpeg.width, height: jpeg.height, format: 'jpeg' };
  } else {
    const sharp = await loadSharp();
    const meta = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 }).metadata();
    if (!meta.width || !meta.height) throw new ImageError('corrupt', filePath, 'no image size in the header');
    const rotated = (meta.orientation ?? 1) >= 5;
    size = {
      width: rotated ? meta.height : meta.width,
      height: rotated ? meta.width : meta.height,
      format: meta.format ?? 'unknown',
    };
  }
  if (size.width * size.height > maxPixels) {
    throw new ImageError('too_large', filePath, `${size.width}×${size.height} exceeds ${maxPixels} pixels`);
  }
  return size;
}

export async function preprocessImage(
  filePath: string,
  spec: InputSpec,
  options: PreprocessOptions = {},
): Promise<Preprocessed> {
  const started = performance.now();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  try {
    // One read, two uses (header, then pixels): cheaper than letting libvips open the
    // file twice, which dominates for small images. Through the gate: regular files of a
    // bounded size only.
    const bytes = await readImageFile(filePath, maxPixels);
    if (bytes.length === 0) throw new ImageError('empty', filePath, '0 bytes');
    const { width, height, format } = await orientedSize(bytes, maxPixels, filePath);
    const { channels, height: outH, width: outW } = spec.input;
    const { resize } = spec.preprocess;
    const data = await decodeWithStableError(
      () => decodeToModelPixels(bytes, spec, maxPixels, filePath),
      (err) => err instanceof ImageError || err instanceof DecoderUnavailableError,
    );
    const size = channels * outH * outW;
    const target = options.target ?? new Float32Array(size);
    const offset = options.target ? (options.offset ?? 0) : 0;
    normalizeInto(data, spec, target, offset);
    return {
      tensor: options.target ? target.subarray(offset, offset + size) : target,
      geometry: { width, height, crop: computeCrop(width, height, outW, outH, resize), format },
      decodeMs: performance.now() - started,
    };
  } catch (err) {
    throw classifyDecodeError(filePath, err);
  }
}
