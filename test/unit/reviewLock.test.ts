import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { toJsonLine } from '../../src/core/labelsFile/records';
import { acquireLock, isLocked } from '../../src/core/folder/lock';
import { applyReviews } from '../../src/core/batch/review';
import { tmpDir } from '../fixtures/hostile/helpers';

const seen: boolean[] = [];
vi.mock('../../src/core/folder/fsutil', async (orig) => {
  const real = await orig<typeof import('../../src/core/folder/fsutil')>();
  return {
    ...real,
    writeFileAtomic: async (file: string, ...rest: unknown[]) => {
      // Is the folder lock held while the labels file is replaced?
      seen.push(existsSync(path.join(path.dirname(file), '.rcnn-lens', 'label.lock')));
      return (real.writeFileAtomic as (...a: unknown[]) => Promise<void>)(file, ...rest);
    },
  };
});


describe('review write-back and the folder lock', () => {
  it('holds the folder lock around the read-modify-write, and releases it', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'labels.jsonl');
    writeFileSync(file, toJsonLine({ path: 'a.jpg', label: 'cat', score: 0.9, topk: [{ label: 'cat', score: 0.9 }], model: { name: 'm', hash: 'h' }, size: 1, mtime: 1 }) + '\n');
    expect((await applyReviews(dir, file, [{ path: 'a.jpg', label: 'dog' }])).changed).toBe(1);
    expect(seen).toEqual([true]);
    expect(existsSync(path.join(dir, '.rcnn-lens', 'label.lock'))).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8')).reviewed.label).toBe('dog');
  });
});

describe('checking the folder lock (the review gallery does on every refresh)', () => {
  it('only reads: a folder nobody labeled keeps no state folder', async () => {
    const dir = tmpDir();
    expect(await isLocked(dir)).toBeUndefined();
    expect(existsSync(path.join(dir, '.rcnn-lens'))).toBe(false);
  });

  it('still sees a live lock and lets it go when released', async () => {
    const dir = tmpDir();
    const lock = await acquireLock(dir, 'labeling');
    expect((await isLocked(dir))?.purpose).toBe('labeling');
    await lock.release();
    expect(await isLocked(dir)).toBeUndefined();
  });
});
