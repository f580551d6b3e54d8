/**
 * Sort and undo against hostile data: forged journal headers, symbolic links inside the
 * folder, class names that are special folder names (issue 15, defects 1–3).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toJsonLine, type LabelRecord } from '../../src/core/labelsFile/records';
import { classFolderName, sortIntoClassFolders, sortsDir, undoLastSort } from '../../src/core/batch/sort';
import { snapshotTree, solidImage, tmpDir } from '../fixtures/hostile/helpers';

beforeAll(() => {
  // The key that seals sort journals lives in the user's state folder: a scratch one here.
  process.env.RCNN_LENS_STATE_HOME = tmpDir('rl-statehome-');
});

const MODEL = { name: 'm', hash: '0123456789abcdef' };

function record(rel: string, label: string): LabelRecord {
  return { path: rel, label, score: 0.9, topk: [{ label, score: 0.9 }], model: MODEL, size: 1, mtime: 1 };
}

async function folderWith(entries: Array<[string, string]>): Promise<{ dir: string; labels: string }> {
  const dir = tmpDir('rl-sorth-');
  for (const [rel] of entries) await solidImage(path.join(dir, rel), { r: 10, g: 20, b: 30 });
  const labels = path.join(dir, 'labels.jsonl');
  writeFileSync(labels, entries.map(([rel, label]) => toJsonLine(record(rel, label)) + '\n').join(''));
  return { dir, labels };
}

function plantJournal(dir: string, lines: object[]): string {
  mkdirSync(sortsDir(dir), { recursive: true });
  const file = path.join(sortsDir(dir), '9999-01-01T00-00-00-000Z-1.jsonl');
  writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
  return file;
}

describe('undo refuses a journal whose header this machine did not write (defect 1)', () => {
  it('a header with dest "/" cannot pull a file from elsewhere into the folder', async () => {
    const dir = tmpDir('rl-undo-v-');
    const victimDir = tmpDir('rl-undo-victim-');
    const secret = path.join(victimDir, 'secret.txt');
    writeFileSync(secret, 'SECRET');
    plantJournal(dir, [
      { kind: 'header', version: 1, folder: dir, dest: '/', mode: 'move', labelsFile: path.join(dir, 'labels.jsonl'), startedAt: 'x' },
      { kind: 'op', seq: 1, op: 'move', from: path.join(dir, 'loot.txt'), to: secret },
      { kind: 'done', seq: 1 },
    ]);
    await expect(undoLastSort(dir)).rejects.toThrow(/9999-01-01T00-00-00-000Z-1\.jsonl.*destination/s);
    expect(readFileSync(secret, 'utf8')).toBe('SECRET');
    expect(existsSync(path.join(dir, 'loot.txt'))).toBe(false);
  });

  it('a forged --sort-dest header (no seal of this machine) is refused, a real one is undone', async () => {
    const { dir, labels } = await folderWith([['a/x.jpg', 'cat']]);
    const dest = path.join(tmpDir('rl-undo-dest-'), 'sorted');
    const before = snapshotTree(dir, (r) => r.startsWith('.rcnn-lens') || r === 'labels.jsonl');
    const r = await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'copy', dest });
    expect(r.sorted).toBe(1);
    // The same journal with its seal removed is what a cloned repository could carry.
    const journal = r.journal;
    const lines = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    delete lines[0].seal;
    writeFileSync(journal, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    await expect(undoLastSort(dir)).rejects.toThrow(/--sort-dest|destination/);
    expect(existsSync(path.join(dest, 'cat', 'x.jpg'))).toBe(true);
    // Sealed again by this machine (a fresh sort), the undo goes through.
    writeFileSync(journal.replace(/\.jsonl$/, '.undone.jsonl'), '');
    const again = await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'copy', dest: path.join(path.dirname(dest), 'sorted2') });
    const u = await undoLastSort(dir);
    expect(u.problems).toEqual([]);
    expect(u.journal).toBe(again.journal);
    expect(snapshotTree(dir, (r) => r.startsWith('.rcnn-lens') || r === 'labels.jsonl')).toEqual(before);
  });

  it('a journal may not rewrite labels files outside the folder', async () => {
    const { dir } = await folderWith([['cat/x.jpg', 'cat']]);
    const elsewhere = path.join(tmpDir('rl-undo-lf-'), 'labels.jsonl');
    const text = toJsonLine(record('cat/x.jpg', 'cat')) + '\n';
    writeFileSync(elsewhere, text);
    plantJournal(dir, [
      { kind: 'header', version: 1, folder: dir, dest: dir, mode: 'move', labelsFile: elsewhere, labelsFiles: [elsewhere], startedAt: 'x' },
      { kind: 'op', seq: 1, op: 'move', from: path.join(dir, 'a', 'x.jpg'), to: path.join(dir, 'cat', 'x.jpg') },
      { kind: 'done', seq: 1 },
      { kind: 'labels', rewritten: true },
    ]);
    await expect(undoLastSort(dir)).rejects.toThrow(/labels file/);
    expect(readFileSync(elsewhere, 'utf8')).toBe(text);
    expect(existsSync(path.join(dir, 'cat', 'x.jpg'))).toBe(true);
  });
});

describe('sort and undo stay out of symbolic links (defect 2)', () => {
  it('a record under a linked folder is refused before anything moves', async () => {
    const { dir, labels } = await folderWith([['a/x.jpg', 'cat']]);
    const outside = tmpDir('rl-sort-outside-');
    await solidImage(path.join(outside, 'secret.jpg'), { r: 1, g: 2, b: 3 });
    symlinkSync(outside, path.join(dir, 'linkdir'));
    writeFileSync(labels, [record('a/x.jpg', 'cat'), record('linkdir/secret.jpg', 'cat')].map((r) => toJsonLine(r) + '\n').join(''));
    await expect(sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' })).rejects.toThrow(/symbolic link/);
    expect(existsSync(path.join(outside, 'secret.jpg'))).toBe(true);
    expect(existsSync(path.join(dir, 'a', 'x.jpg'))).toBe(true);
    expect(existsSync(path.join(dir, 'cat'))).toBe(false);
  });

  it('a class folder that is a link to elsewhere is not moved into', async () => {
    const { dir, labels } = await folderWith([['a/x.jpg', 'cat']]);
    const outside = tmpDir('rl-sort-outside-');
    symlinkSync(outside, path.join(dir, 'cat'));
    await expect(sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' })).rejects.toThrow(/symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(dir, 'a', 'x.jpg'))).toBe(true);
  });

  it('undo does not move a file back through a folder that became a link', async () => {
    const { dir, labels } = await folderWith([['a/x.jpg', 'cat']]);
    await sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' });
    const outside = tmpDir('rl-sort-outside-');
    // Between the sort and the undo, "a" became a link to a folder elsewhere.
    require('node:fs').rmdirSync(path.join(dir, 'a'));
    symlinkSync(outside, path.join(dir, 'a'));
    const u = await undoLastSort(dir).catch((e: Error) => ({ problems: [e.message] }));
    expect(u.problems.join('\n')).toMatch(/symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(dir, 'cat', 'x.jpg'))).toBe(true);
  });
});

describe('class names map to safe folder names or are refused (defect 3)', () => {
  it('labels ".rcnn-lens" and ".git" are refused before anything moves', async () => {
    const { dir, labels } = await folderWith([
      ['a/x.jpg', '.rcnn-lens'],
      ['b/y.jpg', '.git'],
    ]);
    await expect(sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' })).rejects.toThrow(/class name ".rcnn-lens"/);
    expect(existsSync(path.join(dir, 'a', 'x.jpg'))).toBe(true);
    expect(existsSync(path.join(dir, 'b', 'y.jpg'))).toBe(true);
    expect(existsSync(path.join(dir, '.git'))).toBe(false);
  });

  it('the mapping: separators replaced; dots, reserved names, trailing dots, long names refused', () => {
    expect(classFolderName('a/b')).toBe('a_b');
    expect(classFolderName('a\\b:c*?')).toBe('a_b_c__');
    expect(classFolderName('tab\there')).toBe('tab_here');
    for (const bad of ['', '.', '..', '.git', '.rcnn-lens', 'CON', 'aux.txt', 'com1', 'LPT9.log', 'nul', 'x.', 'x ', ' ', 'x'.repeat(200)]) {
      expect(() => classFolderName(bad), JSON.stringify(bad)).toThrow(/class name/);
    }
    expect(classFolderName('console')).toBe('console');
    expect(classFolderName('nul\u0000byte')).toBe('nul_byte');
  });

  it('two labels that map to the same folder are refused', async () => {
    const { dir, labels } = await folderWith([
      ['a/x.jpg', 'a/b'],
      ['b/y.jpg', 'a_b'],
    ]);
    await expect(sortIntoClassFolders({ folder: dir, labelsFile: labels, mode: 'move' })).rejects.toThrow(/same folder/);
    expect(existsSync(path.join(dir, 'a', 'x.jpg'))).toBe(true);
  });

  it('undo refuses a journal that moved into a folder no class name maps to', async () => {
    const { dir } = await folderWith([['.git/x.jpg', 'cat']]);
    plantJournal(dir, [
      { kind: 'header', version: 1, folder: dir, dest: dir, mode: 'move', labelsFile: path.join(dir, 'labels.jsonl'), startedAt: 'x' },
      { kind: 'op', seq: 1, op: 'move', from: path.join(dir, 'a', 'x.jpg'), to: path.join(dir, '.git', 'x.jpg') },
      { kind: 'done', seq: 1 },
    ]);
    await expect(undoLastSort(dir)).rejects.toThrow(/class folder/);
    expect(existsSync(path.join(dir, '.git', 'x.jpg'))).toBe(true);
  });
});
