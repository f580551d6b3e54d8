import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBatchInto, decodeInto } from '../../src/core/batch/decode';
import { readJpegHeader } from '../../src/core/image/jpegHeader';
import { decodePlainJpegRgb, wasmJpegAvailable } from '../../src/core/image/jpegWasm';
import { decodeToModelPixels } from '../../src/core/image/preprocess';
import type { ModelInfo } from '../../src/core/model/contract';

type Spec = Pick<ModelInfo, 'input' | 'preprocess'>;
const spec = (w: number, h: number): Spec => ({
  input: { name: 'image', channels: 3, height: h, width: w, color: 'rgb' },
  preprocess: { resize: 'center_crop', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
});

/** Smooth gradients plus noise: enough chroma detail that upsampling or IDCT differences would show. */
function texture(w: number, h: number, seed: number): Buffer {
  const px = Buffer.alloc(w * h * 3);
  let s = seed;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const x = (i / 3) % w;
    const y = Math.floor(i / 3 / w);
    px[i] = ((x * 7 + y * 3 + (i % 3) * 60) % 256) ^ (s >>> 28);
  }
  return px;
}

async function jpeg(w: number, h: number, options: import('sharp').JpegOptions, seed = 1): Promise<Buffer> {
  return sharp(texture(w, h, seed), { raw: { width: w, height: h, channels: 3 } }).jpeg(options).toBuffer();
}

/** What sharp alone makes of the file (the pipeline of decodeToModelPixels without the fast path). */
async function viaSharp(bytes: Buffer, w: number, h: number): Promise<Buffer> {
  return sharp(bytes, { failOn: 'error' })
    .rotate()
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .resize(w, h, { fit: 'cover', position: 'centre' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rcnn-wasm-'));
});

describe('WebAssembly JPEG fast path', () => {
  it('loads', () => {
    expect(wasmJpegAvailable()).toBe(true);
  });

  it.each([
    ['baseline 4:2:0', { quality: 90 }],
    ['baseline 4:4:4', { quality: 75, chromaSubsampling: '4:4:4' }],
    ['progressive 4:2:0', { quality: 60, progressive: true }],
    ['optimised, q 20', { quality: 20, optimiseCoding: true }],
  ] as const)('gives sharp’s pixels bit for bit (%s)', async (_name, options) => {
    for (const [w, h] of [[32, 32], [28, 20], [33, 17]]) {
      const bytes = await jpeg(w, h, options, w * h);
      const fast = decodePlainJpegRgb(bytes, w, h);
      expect(fast).toBeDefined();
      expect(Buffer.from(fast!).equals(await viaSharp(bytes, w, h))).toBe(true);
    }
  });

  it('declines what needs more than a plain decode', async () => {
    const plain = await jpeg(32, 32, {});
    expect(decodePlainJpegRgb(plain, 31, 32)).toBeUndefined(); // another size: sharp resizes
    const grey = await sharp(texture(32, 32, 3), { raw: { width: 32, height: 32, channels: 3 } }).toColourspace('b-w').jpeg().toBuffer();
    expect(readJpegHeader(grey)?.components).toBe(1);
    expect(decodePlainJpegRgb(grey, 32, 32)).toBeUndefined();
    const rotated = await sharp(texture(32, 32, 4), { raw: { width: 32, height: 32, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect(decodePlainJpegRgb(rotated, 32, 32)).toBeUndefined();
    expect(decodePlainJpegRgb(Buffer.from('not a jpeg at all'), 32, 32)).toBeUndefined();
  });

  it('declines truncated and corrupt files and keeps working afterwards', async () => {
    const good = await jpeg(32, 32, { quality: 90 }, 7);
    expect(decodePlainJpegRgb(good.subarray(0, good.length >> 1), 32, 32)).toBeUndefined();
    const garbled = Buffer.from(good);
    for (let i = 200; i < garbled.length - 2; i += 7) garbled[i] = 0xff;
    expect(decodePlainJpegRgb(garbled, 32, 32)).toBeUndefined();
    const again = decodePlainJpegRgb(good, 32, 32);
    expect(Buffer.from(again!).equals(await viaSharp(good, 32, 32))).toBe(true);
  });

  it('feeds decodeToModelPixels and the batch decoder the same pixels as sharp', async () => {
    const bytes = await jpeg(32, 32, { quality: 85 }, 11);
    expect((await decodeToModelPixels(bytes, spec(32, 32), 1e8, 'x.jpg')).equals(await viaSharp(bytes, 32, 32))).toBe(true);

    const files = ['a.jpg', 'b.jpg', 'cut.jpg', 'big.jpg'].map((n) => path.join(dir, n));
    writeFileSync(files[0], bytes);
    writeFileSync(files[1], await jpeg(32, 32, { progressive: true }, 12));
    writeFileSync(files[2], bytes.subarray(0, 300));
    writeFileSync(files[3], await jpeg(64, 48, {}, 13));
    const plane = 3 * 32 * 32;
    const batch = new Float32Array(files.length * plane);
    const viaDecodeOne: number[] = [];
    const errors = await decodeBatchInto(files, spec(32, 32), 1e8, batch, async (i, contents) => {
      viaDecodeOne.push(i);
      await decodeInto(files[i], spec(32, 32), 1e8, batch, i * plane, contents);
    });
    expect(viaDecodeOne.sort()).toEqual([2, 3]); // the truncated and the wrong-size file go to sharp
    expect(errors.map((e) => e?.code ?? null)).toEqual([null, null, expect.stringMatching(/truncated|corrupt/), null]);
    for (const i of [0, 1, 3]) {
      const one = new Float32Array(plane);
      await decodeInto(files[i], spec(32, 32), 1e8, one, 0, readFileSync(files[i]));
      expect(batch.subarray(i * plane, (i + 1) * plane)).toEqual(one);
    }
  });
});
