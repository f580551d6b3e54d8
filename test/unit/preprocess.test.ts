import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeCrop } from '../../src/core/image/geometry';
import { ImageError } from '../../src/core/image/imageErrors';
import { preprocessImage } from '../../src/core/image/preprocess';
import type { ModelInfo } from '../../src/core/model/contract';

type Spec = Pick<ModelInfo, 'input' | 'preprocess'>;
const rgbSpec = (w: number, h: number, resize: Spec['preprocess']['resize'] = 'center_crop'): Spec => ({
  input: { name: 'image', channels: 3, height: h, width: w, color: 'rgb' },
  preprocess: { resize, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 1] },
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rcnn-pre-'));
});

async function writeRaw(name: string, width: number, height: number, channels: 3 | 4, pixels: number[]): Promise<string> {
  const file = path.join(dir, name);
  await sharp(Buffer.from(pixels), { raw: { width, height, channels } }).png().toFile(file);
  return file;
}

/** Expected normalised value for a byte under rgbSpec's mean/std. */
const norm = (v: number, ch: number) => (v / 255 - [0.5, 0.25, 0][ch]) / [0.5, 0.25, 1][ch];

describe('preprocessImage', () => {
  it('produces the exact CHW tensor for a known image (centre crop of a 4×2 PNG)', async () => {
    // Columns: red, green, blue, white; two identical rows.
    const row = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
    const file = await writeRaw('known.png', 4, 2, 3, [...row, ...row]);
    const out = await preprocessImage(file, rgbSpec(2, 2));
    // Centre crop keeps columns 1..2 (green, blue).
    const expected = [
      // R plane
      norm(0, 0), norm(0, 0), norm(0, 0), norm(0, 0),
      // G plane
      norm(255, 1), norm(0, 1), norm(255, 1), norm(0, 1),
      // B plane
      norm(0, 2), norm(255, 2), norm(0, 2), norm(255, 2),
    ];
    expect(Array.from(out.tensor)).toEqual(expected.map((v) => Math.fround(v)).map((v) => expect.closeTo(v, 5)));
    expect(out.geometry).toMatchObject({ width: 4, height: 2, format: 'png', crop: { left: 1, top: 0, width: 2, height: 2 } });
  });

  it('writes into a batch buffer at an offset', async () => {
    const file = await writeRaw('white.png', 2, 2, 3, new Array(12).fill(255));
    const target = new Float32Array(3 * 4 * 3).fill(-7);
    await preprocessImage(file, rgbSpec(2, 2), { target, offset: 12 });
    expect(target[11]).toBe(-7);
    expect(target[12]).toBeCloseTo(norm(255, 0), 5);
    expect(target[24]).toBe(-7);
  });

  it('flattens transparency onto white', async () => {
    const file = await writeRaw('clear.png', 2, 2, 4, new Array(16).fill(0));
    const out = await preprocessImage(file, rgbSpec(2, 2));
    expect(out.tensor[0]).toBeCloseTo(norm(255, 0), 5);
    expect(out.tensor[8]).toBeCloseTo(norm(255, 2), 5);
  });

  it('converts colour to one grey channel for a greyscale model', async () => {
    const file = await writeRaw('grey.png', 2, 2, 3, new Array(12).fill(128));
    const spec: Spec = {
      input: { name: 'image', channels: 1, height: 2, width: 2, color: 'grey' },
      preprocess: { resize: 'stretch', mean: [0], std: [1] },
    };
    const out = await preprocessImage(file, spec);
    expect(out.tensor).toHaveLength(4);
    for (const v of out.tensor) expect(v).toBeCloseTo(128 / 255, 2);
  });

  it('reads 16-bit PNGs as 8-bit', async () => {
    const file = path.join(dir, 'deep.png');
    await sharp(Buffer.from(new Array(12).fill(200)), { raw: { width: 2, height: 2, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toFile(file);
    expect((await sharp(file).metadata()).depth).toBe('ushort');
    const out = await preprocessImage(file, rgbSpec(2, 2));
    expect(out.tensor[0]).toBeCloseTo(norm(200, 0), 2);
  });

  it('applies EXIF orientation before computing geometry', async () => {
    const file = path.join(dir, 'rotated.jpg');
    // Stored 40×20, orientation 6 (rotate 90° clockwise to display): displayed 20×40.
    await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 10, g: 10, b: 10 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const out = await preprocessImage(file, rgbSpec(4, 4));
    expect(out.geometry.width).toBe(20);
    expect(out.geometry.height).toBe(40);
    expect(out.geometry.crop).toEqual({ left: 0, top: 10, width: 20, height: 20 });
  });

  it('reads a plain JPEG’s size from its header, the same as libvips reports', async () => {
    const file = path.join(dir, 'plain.jpg');
    await sharp({ create: { width: 37, height: 23, channels: 3, background: { r: 90, g: 10, b: 10 } } })
      .jpeg({ progressive: true })
      .toFile(file);
    const { readJpegHeader } = await import('../../src/core/image/jpegHeader');
    expect(readJpegHeader(readFileSync(file))).toMatchObject({ width: 37, height: 23, components: 3, exif: false });
    const out = await preprocessImage(file, rgbSpec(4, 4));
    expect(out.geometry).toMatchObject({ width: 37, height: 23, format: 'jpeg' });
    await expect(preprocessImage(file, rgbSpec(4, 4), { maxPixels: 500 })).rejects.toMatchObject({ code: 'too_large' });
  });

  it.each([
    ['empty', 'zero.png', () => Buffer.alloc(0)],
    ['unsupported', 'text.jpg', () => Buffer.from('this is a text file, not an image')],
  ] as const)('reports %s files', async (code, name, bytes) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes());
    await expect(preprocessImage(file, rgbSpec(2, 2))).rejects.toMatchObject({ name: 'ImageError', code, filePath: file });
  });

  it('reports a truncated JPEG as truncated', async () => {
    const whole = path.join(dir, 'whole.jpg');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .toFile(whole);
    const cut = path.join(dir, 'cut.jpg');
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await preprocessImage(cut, rgbSpec(2, 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect(['truncated', 'corrupt']).toContain((err as ImageError).code);
    expect((err as ImageError).message).toContain('cut.jpg');
  });

  it('refuses images over the pixel limit before decoding them', async () => {
    const file = await writeRaw('big.png', 20, 20, 3, new Array(1200).fill(1));
    await expect(preprocessImage(file, rgbSpec(2, 2), { maxPixels: 100 })).rejects.toMatchObject({ code: 'too_large' });
  });

  it('reports a missing file', async () => {
    await expect(preprocessImage(path.join(dir, 'nope.png'), rgbSpec(2, 2))).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('computeCrop', () => {
  it('centre-crops a 4000×3000 photo to its middle 3000×3000', () => {
    expect(computeCrop(4000, 3000, 30, 30, 'center_crop')).toEqual({ left: 500, top: 0, width: 3000, height: 3000 });
  });
  it('letterboxes by extending the rect past the image', () => {
    expect(computeCrop(4000, 3000, 40, 40, 'letterbox')).toEqual({ left: 0, top: -500, width: 4000, height: 4000 });
  });
  // Where sharp really puts the image (measured with a gradient image through the resize
  // preprocessImage uses): the scaled size is rounded and centred by integer division.
  it('center_crop follows sharp: 400×300 → 32×32 scales to 43×32 and crops from column 6', () => {
    const c = computeCrop(400, 300, 32, 32, 'center_crop');
    expect(c.left).toBeCloseTo((6 * 400) / 43, 9); // 55.8, not the exact-scale 50
    expect(c.width).toBeCloseTo((32 * 400) / 43, 9);
    expect(c).toMatchObject({ top: 0, height: 300 });
  });
  it('letterbox follows sharp: 100×333 → 32×32 scales to 10×32 and places it at column 11', () => {
    const c = computeCrop(100, 333, 32, 32, 'letterbox');
    expect(c.left).toBeCloseTo(-110, 9); // 11 model pixels of 10 source pixels each
    expect(c.width).toBeCloseTo(320, 9);
    expect(c).toMatchObject({ top: 0, height: 333 });
    // An extreme strip: 1000×70 → 32×2 rows at row 15, not a 2.24-row band at 14.88.
    const strip = computeCrop(1000, 70, 32, 32, 'letterbox');
    expect(strip.top).toBeCloseTo(-15 * 35, 9);
    expect(strip.height).toBeCloseTo(32 * 35, 9);
  });
  it('stretch covers the whole image', () => {
    expect(computeCrop(4000, 3000, 32, 32, 'stretch')).toEqual({ left: 0, top: 0, width: 4000, height: 3000 });
  });
});
