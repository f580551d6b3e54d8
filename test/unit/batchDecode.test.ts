import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeBatchInto, decodeInto, maxFileBytes, readJpegHeader } from '../../src/core/batch/decode';
import { classifyDecodeError } from '../../src/core/image/imageErrors';
import { readFileSync, writeFileSync } from 'node:fs';
import { preprocessImage } from '../../src/core/image/preprocess';
import { DecoderUnavailableError } from '../../src/core/image/sharpLoader';
import type { ModelInfo } from '../../src/core/model/contract';
import { makeHostileFolder, solidImage, tmpDir } from '../fixtures/hostile/helpers';

const spec = (resize: 'center_crop' | 'stretch' | 'letterbox', color: 'rgb' | 'grey' = 'rgb'): Pick<ModelInfo, 'input' | 'preprocess'> => ({
  input: { name: 'image', channels: color === 'rgb' ? 3 : 1, height: 32, width: 32, color },
  preprocess: { resize, mean: color === 'rgb' ? [0.49, 0.48, 0.45] : [0.5], std: color === 'rgb' ? [0.25, 0.24, 0.26] : [0.25] },
});

describe('the labeling decoder', () => {
  it('produces exactly the tensor of the single-image path, for every resize policy and odd input', async () => {
    const dir = tmpDir();
    const files: string[] = [];
    // A gradient photo with an EXIF rotation, an alpha PNG, a 16-bit grey, a wide strip, a GIF.
    const w = 97, h = 61;
    const px = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      px[i * 3] = (i * 7) % 256;
      px[i * 3 + 1] = Math.floor(i / w) * 4;
      px[i * 3 + 2] = (i % w) * 2;
    }
    const rotated = path.join(dir, 'rotated.jpg');
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg().toFile(rotated);
    files.push(rotated);
    const alpha = path.join(dir, 'alpha.png');
    await sharp({ create: { width: 40, height: 50, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 0.3 } } }).png().toFile(alpha);
    files.push(alpha);
    const grey = path.join(dir, 'grey16.png');
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).toColourspace('grey16').png().toFile(grey);
    files.push(grey);
    for (const [name, fmt, ww, hh] of [['strip.jpg', 'jpeg', 500, 3], ['a.gif', 'gif', 20, 20], ['b.webp', 'webp', 64, 48]] as const) {
      await solidImage(path.join(dir, name), { r: 30, g: 140, b: 220 }, fmt, ww, hh);
      files.push(path.join(dir, name));
    }
    for (const s of [spec('center_crop'), spec('stretch'), spec('letterbox'), spec('center_crop', 'grey')]) {
      for (const f of files) {
        const size = s.input.channels * 32 * 32;
        const a = new Float32Array(size + 5);
        await decodeInto(f, s, 1e8, a, 5);
        const b = await preprocessImage(f, s);
        expect(Array.from(a.subarray(5)), `${path.basename(f)} ${s.preprocess.resize} ${s.input.color}`).toEqual(Array.from(b.tensor));
      }
    }
  });

  it('fails hostile files with the same reason as the single-image path', async () => {
    const h = await makeHostileFolder();
    const bad = path.join(h.dir, 'bad');
    for (const name of readdirSync(bad)) {
      const f = path.join(bad, name);
      const a = await decodeInto(f, spec('center_crop'), 1e8, new Float32Array(3 * 32 * 32), 0).then(() => 'ok', (e) => e.code);
      const b = await preprocessImage(f, spec('center_crop')).then(() => 'ok', (e) => e.code);
      expect(a, name).toBe(b);
      expect(a, name).not.toBe('ok');
    }
  });

  it('decodes input-sized JPEGs of a batch together with exactly the same pixels, and isolates a bad one', async () => {
    const dir = tmpDir();
    const paths: string[] = [];
    for (let k = 0; k < 6; k++) {
      const px = Buffer.alloc(32 * 32 * 3);
      for (let i = 0; i < px.length; i++) px[i] = (i * (k + 3) * 2654435761) >>> 24;
      const f = path.join(dir, `t${k}.jpg`);
      await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).jpeg({ quality: 85 }).toFile(f);
      paths.push(f);
    }
    const rotated = path.join(dir, 'rot.jpg');
    await sharp(readFileSync(paths[0])).withMetadata({ orientation: 3 }).jpeg().toFile(rotated);
    paths.push(rotated);
    const big = path.join(dir, 'big.jpg');
    await solidImage(big, { r: 9, g: 99, b: 199 }, 'jpeg', 64, 40);
    paths.push(big);
    const truncated = path.join(dir, 'trunc.jpg');
    writeFileSync(truncated, readFileSync(paths[1]).subarray(0, 300));
    paths.push(truncated);
    expect(readJpegHeader(readFileSync(paths[0]))).toMatchObject({ width: 32, height: 32, components: 3, exif: false });
    expect(readJpegHeader(readFileSync(rotated))?.exif).toBe(true);

    const s = spec('center_crop');
    const plane = 3 * 32 * 32;
    const target = new Float32Array(paths.length * plane);
    const singles: number[] = [];
    const errors = await decodeBatchInto(paths, s, 1e8, target, async (i, contents) => {
      singles.push(i);
      await decodeInto(paths[i], s, 1e8, target, i * plane, contents);
    });
    // the six plain ones were joined; the others went alone (the truncated one spoiled the join)
    expect(errors.map((e) => e?.code ?? null)).toEqual([null, null, null, null, null, null, null, null, 'truncated']);
    for (let i = 0; i < paths.length - 1; i++) {
      const ref = await preprocessImage(paths[i], s);
      expect(Array.from(target.subarray(i * plane, (i + 1) * plane)), path.basename(paths[i])).toEqual(Array.from(ref.tensor));
    }
    // Without the bad file, the join is used (the six never reach the one-by-one path).
    singles.length = 0;
    const t2 = new Float32Array(8 * plane);
    await decodeBatchInto(paths.slice(0, 8), s, 1e8, t2, async (i, contents) => {
      singles.push(i);
      await decodeInto(paths[i], s, 1e8, t2, i * plane, contents);
    });
    expect(singles.sort()).toEqual([6, 7]);
    expect(Array.from(t2.subarray(0, 6 * plane))).toEqual(Array.from(target.subarray(0, 6 * plane)));
  });

  it('a decoder that cannot load fails the batch instead of marking its files corrupt', async () => {
    const dir = tmpDir();
    const png = path.join(dir, 'needs-sharp.png'); // not a JPEG at the input size: goes to decodeOne
    await solidImage(png, { r: 10, g: 200, b: 30 }, 'png');
    const s = spec('center_crop');
    const target = new Float32Array(3 * 32 * 32);
    const missing = decodeBatchInto([png], s, 1e8, target, async (i, contents) => {
      await decodeInto(png, s, 1e8, target, 0, contents).then(() => {
        throw new DecoderUnavailableError('cannot load the image decoder (sharp): test');
      });
    });
    await expect(missing).rejects.toThrow(DecoderUnavailableError);
    // any other failure of the same file is still that file's error row
    const errors = await decodeBatchInto([png], s, 1e8, target, async () => {
      throw new Error('bad Huffman table');
    });
    expect(errors.map((e) => e?.code)).toEqual(['corrupt']);
  });
  it('refuses a file bigger than any image within the pixel limit before reading it', async () => {
    const dir = tmpDir();
    const big = path.join(dir, 'big.jpg');
    const maxPixels = 1000;
    writeFileSync(big, Buffer.alloc(maxFileBytes(maxPixels) + 1));
    const ok = path.join(dir, 'ok.jpg');
    await solidImage(ok, { r: 1, g: 2, b: 3 });
    const target = new Float32Array(2 * 3 * 32 * 32);
    const errors = await decodeBatchInto([big, ok], spec('center_crop'), maxPixels * 1000, target, async (i) => {
      await decodeInto([big, ok][i], spec('center_crop'), maxPixels * 1000, target, i * 3 * 32 * 32);
    });
    expect(errors[1]).toBeNull();
    const small = await decodeBatchInto([big], spec('center_crop'), maxPixels, new Float32Array(3 * 32 * 32), async () => undefined);
    expect(small[0]?.code).toBe('too_large');
    expect(small[0]?.message).toMatch(/bytes/);
  });

  it('file-system trouble is "unreadable" (retried by the next run), not "corrupt"', () => {
    for (const code of ['ETIMEDOUT', 'ESTALE', 'EMFILE', 'EIO', 'EACCES']) {
      expect(classifyDecodeError('/x.jpg', Object.assign(new Error(code), { code })).code).toBe('unreadable');
    }
    expect(classifyDecodeError('/x.jpg', Object.assign(new RangeError('big'), { code: 'ERR_FS_FILE_TOO_LARGE' })).code).toBe('too_large');
  });
});
