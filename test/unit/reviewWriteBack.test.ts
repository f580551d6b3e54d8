import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/core/folder/lock';
import { CSV_HEADER, parseLabelsText, toCsvLine, toJsonLine, type LabelRecord } from '../../src/core/labelsFile/records';
import { applyReviews } from '../../src/core/batch/review';
import { tmpDir } from '../fixtures/hostile/helpers';

const rec = (p: string, label: string): LabelRecord => ({ path: p, label, score: 0.5, topk: [{ label, score: 0.5 }], model: { name: 'm', hash: '0123456789abcdef' }, size: 1, mtime: 2 });

describe('review corrections', () => {
  it('are written back as reviewed, keep the prediction, and can be cleared (JSONL and CSV)', async () => {
    for (const format of ['jsonl', 'csv'] as const) {
      const dir = tmpDir();
      const file = path.join(dir, `labels.${format}`);
      const records = [rec('a.jpg', 'cat'), rec('b, "odd".jpg', 'dog')];
      writeFileSync(file, format === 'csv' ? [CSV_HEADER, ...records.map(toCsvLine)].join('\n') + '\n' : records.map((r) => toJsonLine(r) + '\n').join(''));
      const outcome = await applyReviews(dir, file, [
        { path: 'a.jpg', label: 'cat' },
        { path: 'b, "odd".jpg', label: 'horse' },
        { path: 'missing.jpg', label: 'x' },
      ], () => 'T');
      expect(outcome).toEqual({ changed: 2, unknownPaths: ['missing.jpg'] });
      let back = parseLabelsText(readFileSync(file, 'utf8'), format);
      expect(back[0].reviewed).toEqual({ label: 'cat', at: 'T' });
      expect(back[1].reviewed).toEqual({ label: 'horse', at: 'T' });
      expect(back[1].label).toBe('dog');
      expect(await applyReviews(dir, file, [{ path: 'a.jpg', label: 'cat' }])).toEqual({ changed: 0, unknownPaths: [] });
      await applyReviews(dir, file, [{ path: 'a.jpg', label: null }]);
      back = parseLabelsText(readFileSync(file, 'utf8'), format);
      expect(back[0].reviewed).toBeUndefined();
    }
  });

  it('are refused while a run holds the folder', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'labels.jsonl');
    writeFileSync(file, toJsonLine(rec('a.jpg', 'cat')) + '\n');
    const lock = await acquireLock(dir, 'labeling');
    await expect(applyReviews(dir, file, [{ path: 'a.jpg', label: 'dog' }])).rejects.toThrow(/labeling run/);
    await lock.release();
    expect((await applyReviews(dir, file, [{ path: 'a.jpg', label: 'dog' }])).changed).toBe(1);
  });

  it('report paths the file no longer holds (after a Move sort) instead of dropping them silently', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'labels.jsonl');
    writeFileSync(file, toJsonLine(rec('cat/a.jpg', 'cat')) + '\n');
    const before = readFileSync(file, 'utf8');
    const outcome = await applyReviews(dir, file, [{ path: 'a.jpg', label: 'dog' }]);
    expect(outcome).toEqual({ changed: 0, unknownPaths: ['a.jpg'] });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
