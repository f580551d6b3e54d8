import { copyFileSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThumbnailMaker, thumbsDir } from '../../src/core/batch/thumbs';
import { BUNDLE_ENV, buildBundles, solidImage, tmpDir } from '../fixtures/hostile/helpers';

let maker: ThumbnailMaker;
beforeAll(() => {
  maker = new ThumbnailMaker({ script: path.join(buildBundles(), 'labelWorker.js'), env: BUNDLE_ENV });
});
afterAll(() => maker.dispose());

describe('review thumbnails', () => {
  it('are small JPEGs made in a worker and cached under .rcnn-lens/thumbs, also for TIFF', async () => {
    const dir = tmpDir('rl-thumbs-');
    await solidImage(path.join(dir, 'a', 'big.jpg'), { r: 200, g: 10, b: 10 }, 'jpeg', 1200, 900);
    await solidImage(path.join(dir, 'scan.tif'), { r: 10, g: 200, b: 10 }, 'tiff', 640, 480);
    for (const rel of ['a/big.jpg', 'scan.tif']) {
      const file = await maker.thumbnail(dir, rel);
      expect(path.dirname(file)).toBe(thumbsDir(dir));
      const meta = await sharp(file).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width!, meta.height!)).toBe(160);
      // cached: the same file, not made again
      const made = statSync(file).mtimeMs;
      expect(await maker.thumbnail(dir, rel)).toBe(file);
      expect(statSync(file).mtimeMs).toBe(made);
    }
    // a changed image gets a new thumbnail
    const first = await maker.thumbnail(dir, 'a/big.jpg');
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(dir, 'a', 'big.jpg'), later, later);
    expect(await maker.thumbnail(dir, 'a/big.jpg')).not.toBe(first);
  });

  it('a moved image keeps its thumbnail (Sort Into Class Folders), a copy or a replaced file does not', async () => {
    const dir = tmpDir('rl-thumbs-');
    await solidImage(path.join(dir, 'x.jpg'), { r: 90, g: 90, b: 200 }, 'jpeg', 300, 200);
    const before = await maker.thumbnail(dir, 'x.jpg');
    const made = statSync(before).mtimeMs;
    mkdirSync(path.join(dir, 'cat'));
    renameSync(path.join(dir, 'x.jpg'), path.join(dir, 'cat', 'x.jpg'));
    expect(await maker.thumbnail(dir, 'cat/x.jpg')).toBe(before);
    expect(statSync(before).mtimeMs).toBe(made); // not made again
    copyFileSync(path.join(dir, 'cat', 'x.jpg'), path.join(dir, 'copy.jpg'));
    expect(await maker.thumbnail(dir, 'copy.jpg')).not.toBe(before);
  });

  it('a file that cannot be scaled rejects (the gallery falls back), and the maker keeps working', async () => {
    const dir = tmpDir('rl-thumbs-');
    writeFileSync(path.join(dir, 'bad.jpg'), 'not an image');
    await expect(maker.thumbnail(dir, 'bad.jpg')).rejects.toThrow();
    await solidImage(path.join(dir, 'ok.png'), { r: 1, g: 2, b: 3 }, 'png', 100, 50);
    const file = await maker.thumbnail(dir, 'ok.png');
    expect(readFileSync(file).subarray(0, 2).toString('hex')).toBe('ffd8');
  });
});
