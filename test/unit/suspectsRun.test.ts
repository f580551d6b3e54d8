import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabelJob } from '../../src/core/labeling/run';
import { type LabelRecord, toJsonLine } from '../../src/core/labelsFile/records';
import { anyInClassFolder, refreshGiven, scoreRecords } from '../../src/core/labeling/suspectPass';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, labelJobOptions, readLabelRecords, solidImage, tmpDir } from '../fixtures/hostile/helpers';

let bundles = '';
beforeAll(() => {
  bundles = buildBundles();
});

/** cat/ and dog/ with three images each, plus images outside class folders. */
async function classFolder(): Promise<string> {
  const dir = tmpDir('rl-suspects-');
  for (let i = 0; i < 6; i++) {
    await solidImage(path.join(dir, i < 3 ? 'cat' : 'dog', `${i}.jpg`), { r: i * 40, g: 255 - i * 40, b: (i * 90) % 256 });
  }
  await solidImage(path.join(dir, 'misc', 'x.jpg'), { r: 9, g: 9, b: 9 });
  await solidImage(path.join(dir, 'top.jpg'), { r: 90, g: 9, b: 9 });
  return dir;
}

const byPath = (records: LabelRecord[]) => new Map(records.map((r) => [r.path, r]));

describe('suspects in a labeling run', () => {
  it('records in class folders carry given, the model score of it and a suspect score computed over the folder', async () => {
    const dir = await classFolder();
    const out = { file: path.join(dir, 'labels.csv'), format: 'csv' as const };
    const summary = await runLabelJob(
      labelJobOptions(dir, path.join(bundles, 'labelWorker.js'), { topK: 10, outputs: [{ file: path.join(dir, 'labels.jsonl'), format: 'jsonl' }, out] }),
    );
    expect(summary.suspects).toMatchObject({ scored: 6, unscored: 0 });
    const records = readLabelRecords(path.join(dir, 'labels.jsonl'));
    expect(readLabelRecords(out.file)).toEqual(records);
    const r = byPath(records);
    expect(r.get('misc/x.jpg')!.given).toBeUndefined();
    expect(r.get('top.jpg')!.suspect).toBeUndefined();
    for (const cls of ['cat', 'dog']) {
      const mine = records.filter((x) => x.path.startsWith(`${cls}/`));
      const t = mine.reduce((s, x) => s + x.givenScore!, 0) / mine.length;
      for (const x of mine) {
        expect(x.given).toBe(cls);
        // With every class in topk, the score of the given class is the one there.
        expect(x.givenScore).toBeCloseTo(x.topk!.find((e) => e.label === cls)!.score, 6);
        expect(x.suspect).toBeCloseTo(1 - Math.min(1, x.givenScore! / t), 5);
      }
    }
  });

  it('a rerun keeps the scores; a record in a class folder without the score of its class is labeled again', async () => {
    const dir = await classFolder();
    const opts = labelJobOptions(dir, path.join(bundles, 'labelWorker.js'));
    await runLabelJob(opts);
    const file = path.join(dir, 'labels.jsonl');
    const first = readLabelRecords(file);
    const again = await runLabelJob(opts);
    expect(again.reused).toBe(8);
    expect(readLabelRecords(file)).toEqual(first);
    // As written before given labels existed: no given score.
    writeFileSync(file, first.map((x) => toJsonLine(x.path === 'cat/0.jpg' ? { ...x, givenScore: undefined, suspect: undefined } : x) + '\n').join(''));
    const third = await runLabelJob(opts);
    expect(third.labeled).toBe(1);
    expect(readLabelRecords(file)).toEqual(first);
  });
});

describe('scoreRecords / refreshGiven', () => {
  const rec = (p: string, label: string, topk: [string, number][], extra: Partial<LabelRecord> = {}): LabelRecord => ({
    path: p,
    label,
    score: topk[0][1],
    topk: topk.map(([l, s]) => ({ label: l, score: s })),
    model: { name: 'm', hash: 'h' },
    size: 1,
    mtime: 1,
    ...extra,
  });
  const folderOf = (p: string) => (p.includes('/') ? p.split('/')[0] : undefined);

  it('follows a moved file: the new class takes its score from topk, or has none', () => {
    const r = rec('dog/1.jpg', 'dog', [['dog', 0.7], ['cat', 0.2]], { given: 'cat', givenScore: 0.2, suspect: 0.8 });
    refreshGiven(r, 'dog');
    expect([r.given, r.givenScore, r.suspect]).toEqual(['dog', 0.7, undefined]);
    refreshGiven(r, 'bird');
    expect([r.given, r.givenScore]).toEqual(['bird', undefined]);
    refreshGiven(r, undefined);
    expect('given' in r || 'givenScore' in r || 'suspect' in r).toBe(false);
  });

  it('scores what it can, counts what it cannot, and says nothing for a folder without class folders', () => {
    const records = [
      rec('cat/1.jpg', 'cat', [['cat', 0.9]], { given: 'cat', givenScore: 0.9 }),
      rec('cat/2.jpg', 'dog', [['dog', 0.9], ['cat', 0.1]], { given: 'cat', givenScore: 0.1 }),
      rec('dog/3.jpg', 'cat', [['cat', 0.9]]), // written before given labels, dog not in its topk
    ];
    const s = scoreRecords(records, folderOf)!;
    expect(s).toMatchObject({ scored: 2, unscored: 1 });
    expect(records[0].suspect).toBe(0);
    expect(records[1].suspect).toBeCloseTo(1 - 0.1 / 0.5, 12);
    expect(records[2].suspect).toBeUndefined();
    expect(scoreRecords([rec('a.jpg', 'cat', [['cat', 1]])], folderOf)).toBeUndefined();
  });

  it('knows from the paths alone whether any image can have a given label (else the files are not read back)', () => {
    const labels = ['cat', 'dog'];
    const rels = (...r: string[]) => [{ length: r.length, rel: (i: number) => r[i] }, labels] as const;
    expect(anyInClassFolder(...rels('a.jpg', 'x/b.jpg', 'cats/c.jpg'))).toBe(false);
    expect(anyInClassFolder(...rels('a.jpg', 'deep/Dog/b.jpg'))).toBe(true);
    expect(anyInClassFolder(...rels())).toBe(false);
  });
});

describe('rcnn-lens label --suspects', () => {
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(bundles, 'cli.js'), 'label', ...args, '--model', TINY_MODEL, '--provider', 'cpu', '--workers', '1'], {
      encoding: 'utf8',
      env: { ...process.env, ...BUNDLE_ENV },
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('lists the N most suspect images, most suspect first', async () => {
    const dir = await classFolder();
    const r = run([dir, '--suspects', '3', '--json']);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.topSuspects).toHaveLength(3);
    const all = readLabelRecords(path.join(dir, 'labels.jsonl')).filter((x) => x.suspect !== undefined);
    const best = [...all].sort((a, b) => b.suspect! - a.suspect! || (a.path < b.path ? -1 : 1)).slice(0, 3);
    expect(s.topSuspects.map((x: { path: string }) => x.path)).toEqual(best.map((x) => x.path));
    expect(s.topSuspects[0]).toMatchObject({ given: best[0].given, predicted: best[0].label, suspect: best[0].suspect });
  });

  it('merged shards get the same suspect scores as one run over the whole folder', async () => {
    const dir = await classFolder();
    const single = tmpDir('rl-suspects-single-');
    // cp -a keeps nanosecond times (records carry the mtime).
    expect(spawnSync('cp', ['-a', `${dir}/.`, single]).status).toBe(0);
    for (const k of [1, 2]) expect(run([dir, '--shard', `${k}/2`]).code).toBe(0);
    const m = run([dir, '--merge-shards', '--json']);
    expect(m.code, m.err).toBe(0);
    expect(run([single]).code).toBe(0);
    const merged = readLabelRecords(path.join(dir, 'labels.jsonl'));
    expect(merged.filter((x) => x.suspect !== undefined)).toHaveLength(6);
    expect(merged).toEqual(readLabelRecords(path.join(single, 'labels.jsonl')));
  });

  it('refuses a shard (thresholds need the whole folder) and a count that is not a positive integer', async () => {
    const dir = await classFolder();
    expect(run([dir, '--suspects', '3', '--shard', '1/2']).code).toBe(2);
    expect(run([dir, '--suspects', '0']).code).toBe(2);
    expect(run([dir, '--suspects', 'x']).code).toBe(2);
  });
});
