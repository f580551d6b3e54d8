import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJsonLine, type LabelRecord } from '../../src/core/labelsFile/records';
import { manifestFromClassFolders, manifestFromLabelsFile } from '../../src/core/training/manifest';
import { tmpDir } from '../fixtures/hostile/helpers';

/** Files only need to exist: the manifest never decodes them. */
function touch(dir: string, ...rels: string[]): void {
  for (const rel of rels) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), 'x');
  }
}
const five = (cls: string, ext = 'jpg') => Array.from({ length: 5 }, (_, i) => `${cls}/${i}.${ext}`);
const MODEL = { name: 'm', hash: '0123456789abcdef' };

describe('manifestFromClassFolders', () => {
  it('takes the class from the image’s own folder, at any depth, sorted, and skips loose images, non-images, dot and state folders', async () => {
    const dir = tmpDir('rl-mf-');
    touch(dir, ...five('cat'), ...five('a/b/dog', 'png'), 'loose.jpg', 'cat/notes.txt', '.hidden/x/1.jpg', '.rcnn-lens/thumbs/a.jpg', 'node_modules/z/1.jpg');
    const m = await manifestFromClassFolders(dir);
    expect(m.root).toBe(dir);
    expect(m.classes).toEqual(['cat', 'dog']);
    expect(m.items).toHaveLength(10);
    expect(m.items[0]).toEqual({ path: 'a/b/dog/0.png', label: 'dog' });
    expect(m.items.map((i) => i.path)).not.toContain('loose.jpg');
  });

  it('does not follow a symbolic link out of the folder', async () => {
    const outside = tmpDir('rl-mf-out-');
    touch(outside, ...five('bird'));
    const dir = tmpDir('rl-mf-');
    touch(dir, ...five('cat'), ...five('dog'));
    symlinkSync(path.join(outside, 'bird'), path.join(dir, 'bird'));
    symlinkSync(path.join(outside, 'bird', '0.jpg'), path.join(dir, 'cat', 'linked.jpg'));
    const m = await manifestFromClassFolders(dir);
    expect(m.classes).toEqual(['cat', 'dog']);
    expect(m.items.every((i) => !i.path.includes('bird') && !i.path.includes('linked'))).toBe(true);
  });

  it('refuses fewer than 2 classes, naming the one there is', async () => {
    const dir = tmpDir('rl-mf-');
    touch(dir, ...five('cat'));
    await expect(manifestFromClassFolders(dir)).rejects.toMatchObject({ code: 'too_few_classes', message: expect.stringContaining('"cat"') });
    await expect(manifestFromClassFolders(tmpDir('rl-mf-'))).rejects.toMatchObject({ code: 'too_few_classes' });
  });

  it('names every class with too few images', async () => {
    const dir = tmpDir('rl-mf-');
    touch(dir, ...five('cat'), 'dog/1.jpg', 'dog/2.jpg', 'eel/1.jpg');
    const err = await manifestFromClassFolders(dir).catch((e) => e);
    expect(err.code).toBe('too_few_images');
    expect(err.message).toContain('"dog" (2)');
    expect(err.message).toContain('"eel" (1)');
    expect(err.details.classes).toEqual({ dog: 2, eel: 1 });
  });

  it('refuses a class folder name that could not be a class folder (trailing dot)', async () => {
    const dir = tmpDir('rl-mf-');
    touch(dir, ...five('cat'), ...five('dog.'));
    await expect(manifestFromClassFolders(dir)).rejects.toMatchObject({ code: 'unsafe_class_name' });
  });

  it('stops at the item bound instead of growing without end', async () => {
    const dir = tmpDir('rl-mf-');
    touch(dir, ...five('cat'), ...five('dog'));
    await expect(manifestFromClassFolders(dir, { maxItems: 7 })).rejects.toMatchObject({ code: 'too_many_images' });
  });
});

describe('manifestFromLabelsFile', () => {
  function labels(dir: string, records: Array<Partial<LabelRecord> & { path: string }>): string {
    const file = path.join(dir, 'labels.jsonl');
    writeFileSync(file, records.map((r) => toJsonLine({ model: MODEL, size: 1, mtime: 1, label: 'x', score: 0.5, topk: [], ...r } as LabelRecord) + '\n').join(''));
    return file;
  }
  const reviewed = (label: string) => ({ label, at: '2026-01-01T00:00:00Z' });

  it('uses reviewed labels, and predictions only at or above --min-score', async () => {
    const dir = tmpDir('rl-ml-');
    const rows = [];
    for (let i = 0; i < 6; i++) {
      touch(dir, `img/${i}.jpg`, `img/p${i}.jpg`);
      rows.push({ path: `img/${i}.jpg`, label: 'dog', score: 0.99, reviewed: reviewed(i < 3 ? 'cat' : 'dog') });
      rows.push({ path: `img/p${i}.jpg`, label: i % 2 ? 'cat' : 'dog', score: i < 4 ? 0.95 : 0.5 });
    }
    const file = labels(dir, rows);
    // Reviewed only: 3 cat + 3 dog is below 5 per class.
    await expect(manifestFromLabelsFile(dir, { labelsFile: file })).rejects.toMatchObject({ code: 'too_few_images' });
    const m = await manifestFromLabelsFile(dir, { labelsFile: file, minScore: 0.9 }, { minPerClass: 3 });
    expect(m.items.filter((i) => i.path.startsWith('img/p')).map((i) => i.path)).toEqual(['img/p0.jpg', 'img/p1.jpg', 'img/p2.jpg', 'img/p3.jpg']);
    expect(m.items.find((i) => i.path === 'img/0.jpg')!.label).toBe('cat');
    expect(m.items.find((i) => i.path === 'img/5.jpg')!.label).toBe('dog');
  });

  it('never lists a path outside the folder: "..", absolute, NUL, state folder, through a link, or missing', async () => {
    const outside = tmpDir('rl-ml-out-');
    touch(outside, 'secret.jpg', 'x/1.jpg');
    const dir = tmpDir('rl-ml-');
    const rows = [];
    for (let i = 0; i < 5; i++) {
      touch(dir, `a/${i}.jpg`, `b/${i}.jpg`);
      rows.push({ path: `a/${i}.jpg`, reviewed: reviewed('cat') }, { path: `b/${i}.jpg`, reviewed: reviewed('dog') });
    }
    symlinkSync(path.join(outside, 'x'), path.join(dir, 'link'));
    touch(dir, '.rcnn-lens/s.jpg');
    const hostile = ['../' + path.basename(outside) + '/secret.jpg', path.join(outside, 'secret.jpg'), 'a/\0.jpg', 'link/1.jpg', '.rcnn-lens/s.jpg', 'gone.jpg'];
    for (const p of hostile) rows.push({ path: p, reviewed: reviewed('cat') });
    const m = await manifestFromLabelsFile(dir, { labelsFile: labels(dir, rows) });
    expect(m.items.map((i) => i.path).sort()).toEqual(rows.slice(0, 10).map((r) => r.path).sort());
  });

  it('refuses a hostile class name from a labels file', async () => {
    const dir = tmpDir('rl-ml-');
    const rows = [];
    for (let i = 0; i < 5; i++) {
      touch(dir, `a/${i}.jpg`, `b/${i}.jpg`);
      rows.push({ path: `a/${i}.jpg`, reviewed: reviewed('..') }, { path: `b/${i}.jpg`, reviewed: reviewed('dog') });
    }
    await expect(manifestFromLabelsFile(dir, { labelsFile: labels(dir, rows) })).rejects.toMatchObject({ code: 'unsafe_class_name' });
  });

  it('says so when the labels file is missing or not ours', async () => {
    const dir = tmpDir('rl-ml-');
    await expect(manifestFromLabelsFile(dir, { labelsFile: path.join(dir, 'labels.jsonl') })).rejects.toMatchObject({ code: 'no_labels_file' });
    writeFileSync(path.join(dir, 'other.jsonl'), '{"hello":1}\n');
    await expect(manifestFromLabelsFile(dir, { labelsFile: path.join(dir, 'other.jsonl') })).rejects.toMatchObject({ code: 'no_labels_file' });
  });
});
