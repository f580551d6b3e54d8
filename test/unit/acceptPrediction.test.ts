import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLabelsText, toCsvLine, toJsonLine, CSV_HEADER, type LabelRecord } from '../../src/core/labelsFile/records';
import { undoLastSort } from '../../src/core/batch/sort';
import { recordRunOutputs } from '../../src/core/folder/runState';
import { moveToPredictedClassFolder } from '../../src/core/labeling/acceptPrediction';
import { snapshotTree, solidImage, tmpDir } from '../fixtures/hostile/helpers';

const MODEL = { name: 'm', hash: '0123456789abcdef' };

/** train/cat, train/dog: a hand-written labels file (JSONL and CSV) with given labels and suspects. */
async function classFolders(extra: LabelRecord[] = []): Promise<{ dir: string; labels: string; csv: string }> {
  const dir = tmpDir('rl-accept-');
  const rec = (p: string, label: string, given: string, givenScore: number, score = 0.9): LabelRecord => ({
    path: p,
    label,
    score,
    topk: [{ label, score }, ...(given !== label ? [{ label: given, score: givenScore }] : [])],
    model: MODEL,
    size: 1,
    mtime: 1,
    given,
    givenScore,
  });
  const records = [
    rec('train/cat/1.jpg', 'cat', 'cat', 0.9),
    rec('train/cat/2.jpg', 'cat', 'cat', 0.8),
    rec('train/cat/3.jpg', 'dog', 'cat', 0.05), // a dog in the cat folder
    rec('train/dog/4.jpg', 'dog', 'dog', 0.9),
    rec('train/dog/5.jpg', 'dog', 'dog', 0.7),
    ...extra,
  ];
  let i = 0;
  for (const r of records) await solidImage(path.join(dir, ...r.path.split('/')), { r: (i++ * 50) % 256, g: 10, b: 10 });
  const labels = path.join(dir, 'labels.jsonl');
  const csv = path.join(dir, 'labels.csv');
  writeFileSync(labels, records.map((r) => toJsonLine(r) + '\n').join(''));
  writeFileSync(csv, [CSV_HEADER, ...records.map(toCsvLine)].join('\n') + '\n');
  await recordRunOutputs(dir, [{ file: labels, format: 'jsonl' }, { file: csv, format: 'csv' }]);
  return { dir, labels, csv };
}

const read = (f: string) => parseLabelsText(readFileSync(f, 'utf8'), f.endsWith('.csv') ? 'csv' : 'jsonl');
const files = (dir: string) => Object.keys(snapshotTree(dir)).filter((k) => k.endsWith('.jpg')).sort();

describe('accept the prediction: move into the predicted class folder', () => {
  it('moves the file beside its class folder, rewrites both labels files with new suspects, and Undo puts it back', async () => {
    const { dir, labels, csv } = await classFolders();
    const before = read(labels);
    const r = await moveToPredictedClassFolder({ folder: dir, labelsFile: labels, path: 'train/cat/3.jpg' });
    expect(r.sorted).toBe(1);
    expect(existsSync(path.join(dir, 'train/dog/3.jpg'))).toBe(true);
    expect(existsSync(path.join(dir, 'train/cat/3.jpg'))).toBe(false);
    const after = read(labels);
    expect(read(csv)).toEqual(after);
    const moved = after.find((x) => x.path === 'train/dog/3.jpg')!;
    expect([moved.given, moved.givenScore, moved.suspect]).toEqual(['dog', 0.9, 0]);
    // cat's threshold no longer counts the dog: the mean of 0.9 and 0.8
    expect(after.find((x) => x.path === 'train/cat/2.jpg')!.suspect).toBeCloseTo(1 - 0.8 / 0.85, 6);

    const u = await undoLastSort(dir);
    expect(u.restored).toBe(1);
    expect(existsSync(path.join(dir, 'train/cat/3.jpg'))).toBe(true);
    const undone = read(labels);
    expect(undone.map((x) => x.path)).toEqual(before.map((x) => x.path));
    // Back in cat/, whose score is in its topk here: scored as before.
    expect(undone.find((x) => x.path === 'train/cat/3.jpg')!.given).toBe('cat');
    expect(undone.find((x) => x.path === 'train/cat/3.jpg')!.suspect).toBeGreaterThan(0.5);
  });

  it('refuses a file not in the labels file, one already in its prediction\'s folder, and one outside class folders, moving nothing', async () => {
    const loose: LabelRecord = { path: 'loose.jpg', label: 'dog', score: 0.9, topk: [{ label: 'dog', score: 0.9 }], model: MODEL, size: 1, mtime: 1 };
    const { dir, labels } = await classFolders([loose]);
    const before = files(dir);
    for (const p of ['train/cat/9.jpg', 'train/cat/1.jpg', 'loose.jpg', '../x.jpg']) {
      await expect(moveToPredictedClassFolder({ folder: dir, labelsFile: labels, path: p }), p).rejects.toThrow();
    }
    expect(files(dir)).toEqual(before);
  });

  it('refuses a prediction that has no safe folder name (a hostile labels file)', async () => {
    const evil: LabelRecord = {
      path: 'train/cat/6.jpg', label: '../../evil', score: 0.9, topk: [{ label: '../../evil', score: 0.9 }], model: MODEL, size: 1, mtime: 1, given: 'cat', givenScore: 0.01,
    };
    const { dir, labels } = await classFolders([evil]);
    const before = snapshotTree(dir);
    await expect(moveToPredictedClassFolder({ folder: dir, labelsFile: labels, path: 'train/cat/6.jpg' })).rejects.toThrow(/folder name/);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('does not follow a predicted class folder that is a link out of the folder', async () => {
    const { dir, labels } = await classFolders();
    const outside = tmpDir('rl-outside-');
    // dog/ replaced by a link to a folder outside
    const dogs = path.join(dir, 'train', 'dog');
    for (const f of ['4.jpg', '5.jpg']) writeFileSync(path.join(outside, f), 'x');
    await import('node:fs/promises').then((fs) => fs.rm(dogs, { recursive: true }));
    symlinkSync(outside, dogs);
    await expect(moveToPredictedClassFolder({ folder: dir, labelsFile: labels, path: 'train/cat/3.jpg' })).rejects.toThrow();
    expect(existsSync(path.join(dir, 'train/cat/3.jpg'))).toBe(true);
    expect(existsSync(path.join(outside, '3.jpg'))).toBe(false);
  });
});
