import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync, mkdirSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabelJob } from '../../src/core/labeling/run';
import { parseLabelsText, toJsonLine, type LabelRecord } from '../../src/core/labelsFile/records';
import { recordPath as recordFile } from '../../src/core/folder/safePath';
import { REVIEW_GROUP, classFolderName, hasUndoableSort, sortIntoClassFolders, sortsDir, undoLastSort } from '../../src/core/batch/sort';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, snapshotTree, solidImage, tmpDir } from '../fixtures/hostile/helpers';

let workerScript = '';
beforeAll(() => {
  workerScript = path.join(buildBundles(), 'labelWorker.js');
});

const MODEL = { name: 'm', hash: '0123456789abcdef' };

/** A folder with images and a hand-written labels file (no model needed). */
async function folderWithLabels(entries: Array<[string, string, number?]>): Promise<{ dir: string; labels: string }> {
  const dir = tmpDir('rl-sort-');
  const records: LabelRecord[] = [];
  let i = 0;
  for (const [rel, label, score] of entries) {
    await solidImage(path.join(dir, rel), { r: (i * 50) % 256, g: 10, b: 10 });
    i++;
    records.push({ path: rel, label, score: score ?? 0.9, topk: [{ label, score: score ?? 0.9 }], model: MODEL, size: 1, mtime: 1 });
  }
  records.push({ path: 'broken.jpg', error: { code: 'corrupt', message: 'x' }, model: MODEL, size: 1, mtime: 1 });
  writeFileSync(path.join(dir, 'broken.jpg'), 'nope');
  const labels = path.join(dir, 'labels.jsonl');
  writeFileSync(labels, records.map((r) => toJsonLine(r) + '\n').join(''));
  return { dir, labels };
}

const readRecords = (f: string) => parseLabelsText(readFileSync(f, 'utf8'), 'jsonl');
/** Image files must come back byte- and mtime-exact; the labels file is rewritten, so only its content counts. */
const layout = (dir: string) => {
  const s = snapshotTree(dir);
  if (s['labels.jsonl']) s['labels.jsonl'] = s['labels.jsonl'].split(' ')[0];
  return s;
};

describe('sort into class folders', () => {
  it('move + undo restores the original layout exactly, including the labels file', async () => {
    const { dir, labels } = await folderWithLabels([
      ['a/x.jpg', 'cat'],
      ['b/x.jpg', 'cat'], // same name, same class: must not overwrite
      ['c/deep/y.jpg', 'dog'],
      ['cat/already.jpg', 'cat'], // already in place
      ['z.jpg', 'dog', 0.2], // under the threshold
    ]);
    mkdirSync(path.join(dir, 'dog'));
    writeFileSync(path.join(dir, 'dog', 'y.jpg'), 'an unrelated existing file with the same name');
    const before = layout(dir);
    const r = await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move', reviewThreshold: 0.5 });
    expect(r.sorted).toBe(4);
    expect(r.unchanged).toBe(1);
    expect(r.skippedErrors).toBe(1);
    expect(readdirSync(path.join(dir, 'cat')).sort()).toEqual(['already.jpg', 'x (1).jpg', 'x.jpg']);
    expect(readdirSync(path.join(dir, 'dog')).sort()).toEqual(['y (1).jpg', 'y.jpg']);
    expect(readFileSync(path.join(dir, 'dog', 'y.jpg'), 'utf8')).toBe('an unrelated existing file with the same name');
    expect(readdirSync(path.join(dir, REVIEW_GROUP))).toEqual(['z.jpg']);
    expect(existsSync(path.join(dir, 'a', 'x.jpg'))).toBe(false);
    // The labels file follows the moved files.
    const paths = readRecords(labels).map((x) => x.path);
    expect(paths).toContain('cat/x (1).jpg');
    expect(paths).toContain('_review/z.jpg');

    const u = await undoLastSort(dir);
    expect(u.problems).toEqual([]);
    expect(u.restored).toBe(4);
    expect(layout(dir)).toEqual(before);
    // Nothing left to undo.
    expect((await undoLastSort(dir)).problems[0]).toMatch(/no sort to undo/);
  });

  it('an undo with problems keeps its journal, so it can be retried once they are fixed', async () => {
    const { dir, labels } = await folderWithLabels([
      ['a/x.jpg', 'cat'],
      ['b/y.jpg', 'dog'],
    ]);
    const before = layout(dir);
    await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' });
    // Something now sits where a/x.jpg has to go back.
    writeFileSync(path.join(dir, 'a', 'x.jpg'), 'in the way');
    const u = await undoLastSort(dir);
    expect(u.problems.length).toBeGreaterThan(0);
    expect(await hasUndoableSort(dir)).toBe(true);
    unlinkSync(path.join(dir, 'a', 'x.jpg'));
    const again = await undoLastSort(dir);
    expect(again.problems).toEqual([]);
    expect(layout(dir)).toEqual(before);
    expect(await hasUndoableSort(dir)).toBe(false);
  });

  it('copy + undo removes exactly the copies', async () => {
    const { dir, labels } = await folderWithLabels([
      ['p.jpg', 'ship'],
      ['q.jpg', 'truck'],
    ]);
    const before = layout(dir);
    const dest = `${dir}-sorted`;
    const r = await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'copy' });
    expect(r.dest).toBe(dest);
    expect(readdirSync(path.join(dest, 'ship'))).toEqual(['p.jpg']);
    expect(layout(dir)).toEqual(before); // sources untouched (the journal lives in .rcnn-lens)
    const u = await undoLastSort(dir);
    expect(u.problems).toEqual([]);
    expect(existsSync(path.join(dest, 'ship'))).toBe(false);
    expect(existsSync(dest)).toBe(false);
  });

  it('undo after a crash mid-sort restores what was moved (journal has an intent without done)', async () => {
    const { dir, labels } = await folderWithLabels([
      ['a.jpg', 'cat'],
      ['b.jpg', 'dog'],
    ]);
    const before = layout(dir);
    await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' });
    // Simulate a crash: drop every line after the second move's intent (its done mark, the labels rewrite, complete).
    const journal = path.join(sortsDir(dir), readdirSync(sortsDir(dir))[0]);
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as { kind: string; op?: string });
    let lastIntent = -1;
    parsed.forEach((l, i) => {
      if (l.kind === 'op' && l.op === 'move') lastIntent = i;
    });
    expect(lastIntent).toBeGreaterThan(0);
    writeFileSync(journal, lines.slice(0, lastIntent + 1).join('\n') + '\n{"kind":"do');
    // The labels file rewrite never happened in this story: put the original back.
    const recs = readRecords(labels).map((r) => ({ ...r, path: path.basename(r.path) }));
    writeFileSync(labels, recs.map((r) => toJsonLine(r) + '\n').join(''));
    const u = await undoLastSort(dir);
    expect(u.problems).toEqual([]);
    expect(layout(dir)).toEqual(before);
  });

  it('a labels file with a path that leaves the folder is refused before anything moves', async () => {
    const { dir, labels } = await folderWithLabels([['a/x.jpg', 'cat']]);
    const outside = tmpDir('rl-sort-outside-');
    writeFileSync(path.join(outside, 'secret.txt'), 'keep me');
    const rel = path.relative(dir, path.join(outside, 'secret.txt')).split(path.sep).join('/');
    const recs = readRecords(labels);
    recs.push({ path: rel, label: 'cat', score: 0.9, topk: [{ label: 'cat', score: 0.9 }], model: MODEL, size: 1, mtime: 1 });
    writeFileSync(labels, recs.map((r) => toJsonLine(r) + '\n').join(''));
    const before = layout(dir);
    await expect(sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' })).rejects.toThrow(/leaves/);
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('keep me');
    expect(layout(dir)).toEqual(before);
    expect(await hasUndoableSort(dir)).toBe(false);
  });

  it('record paths: inside the folder only, never into the state folder', () => {
    const root = path.resolve('/data/imgs');
    expect(recordFile(root, 'a/b.jpg')).toBe(path.join(root, 'a', 'b.jpg'));
    expect(recordFile(root, '../x.jpg')).toBeUndefined();
    expect(recordFile(root, 'a/../../x.jpg')).toBeUndefined();
    expect(recordFile(root, '.rcnn-lens/thumbs/t.jpg')).toBeUndefined();
    expect(recordFile(root, '')).toBeUndefined();
    expect(recordFile(root, '..data.jpg')).toBe(path.join(root, '..data.jpg'));
  });

  it('a planted journal that points outside the folder is refused by undo', async () => {
    const { dir } = await folderWithLabels([['a/x.jpg', 'cat']]);
    const victim = path.join(tmpDir('rl-sort-victim-'), 'x.jpg');
    writeFileSync(victim, 'not yours');
    mkdirSync(sortsDir(dir), { recursive: true });
    const lines = [
      { kind: 'header', version: 1, folder: dir, dest: dir, mode: 'copy', labelsFile: path.join(dir, 'labels.jsonl'), startedAt: '' },
      { kind: 'op', seq: 1, op: 'copy', from: path.join(dir, 'a', 'x.jpg'), to: victim },
      { kind: 'done', seq: 1 },
    ];
    writeFileSync(path.join(sortsDir(dir), '2026-01-01.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
    await expect(undoLastSort(dir)).rejects.toThrow(/outside/);
    expect(readFileSync(victim, 'utf8')).toBe('not yours');
  });

  it('undo works through another spelling of the folder (a symlink to it)', async () => {
    const { dir, labels } = await folderWithLabels([['a/x.jpg', 'cat']]);
    const before = layout(dir);
    await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' });
    const link = `${dir}-link`;
    symlinkSync(dir, link);
    const u = await undoLastSort(link);
    expect(u.problems).toEqual([]);
    expect(layout(dir)).toEqual(before);
  });

  it('undo keeps a copy that no longer matches its original', async () => {
    const { dir, labels } = await folderWithLabels([['p.jpg', 'ship']]);
    await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'copy' });
    const copy = path.join(`${dir}-sorted`, 'ship', 'p.jpg');
    writeFileSync(copy, 'edited by the user since the sort');
    const u = await undoLastSort(dir);
    expect(u.problems.join('\n')).toMatch(/no longer matches/);
    expect(readFileSync(copy, 'utf8')).toBe('edited by the user since the sort');
  });

  it('a class folder the user added files to is kept with a warning, and the undo is complete', async () => {
    const { dir, labels } = await folderWithLabels([['a/x.jpg', 'cat']]);
    await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' });
    writeFileSync(path.join(dir, 'cat', 'mine.jpg'), 'added after the sort');
    const u = await undoLastSort(dir);
    expect(u.problems).toEqual([]);
    expect(u.warnings.join('\n')).toMatch(/kept folder .*cat/);
    expect(existsSync(path.join(dir, 'a', 'x.jpg'))).toBe(true);
    expect(await hasUndoableSort(dir)).toBe(false);
  });

  it('a sort that changes nothing leaves no journal behind', async () => {
    const { dir, labels } = await folderWithLabels([['cat/x.jpg', 'cat']]);
    const r = await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' });
    expect(r.sorted).toBe(0);
    expect(await hasUndoableSort(dir)).toBe(false);
  });

  it('a sort that fails part-way still points the labels at the files it moved', async () => {
    const { dir, labels } = await folderWithLabels([
      ['a/x.jpg', 'cat'],
      ['b/y.jpg', 'dog'],
    ]);
    // The second move fails: a plain file sits where its class folder would go.
    writeFileSync(path.join(dir, 'dog'), 'a file, not a folder');
    await expect(sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' })).rejects.toThrow();
    expect(existsSync(path.join(dir, 'cat', 'x.jpg'))).toBe(true);
    const paths = readRecords(labels).map((x) => x.path);
    expect(paths).toContain('cat/x.jpg');
    expect(paths).toContain('b/y.jpg');
    // And Undo brings the moved file back.
    const u = await undoLastSort(dir);
    expect(u.problems).toEqual([]);
    expect(existsSync(path.join(dir, 'a', 'x.jpg'))).toBe(true);
    expect(readRecords(labels).map((x) => x.path)).toContain('a/x.jpg');
  });

  it('class names become safe folder names', () => {
    expect(classFolderName('a/b')).toBe('a_b');
    expect(() => classFolderName('..')).toThrow(/class name/);
    expect(classFolderName(' x')).toBe(' x');
  });

  it('labels, sorts by move and reruns without relabeling the moved files', async () => {
    const dir = tmpDir('rl-sortrun-');
    for (let i = 0; i < 6; i++) await solidImage(path.join(dir, `in/${i}.jpg`), { r: i * 40, g: 255 - i * 40, b: 100 });
    const opts = { folder: dir, modelPath: TINY_MODEL, provider: 'cpu' as const, workers: 1, workerScript, workerEnv: BUNDLE_ENV };
    await runLabelJob(opts);
    await sortIntoClassFolders({ folder: dir, labelsFile: path.join(dir, 'labels.jsonl'), mode: 'move' });
    const again = await runLabelJob(opts);
    expect(again.labeled).toBe(0);
    expect(again.reused).toBe(6);
  });
});
