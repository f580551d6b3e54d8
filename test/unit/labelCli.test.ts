import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/core/folder/lock';
import { CSV_HEADER } from '../../src/core/labelsFile/records';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, snapshotTree, solidImage, tmpDir } from '../fixtures/hostile/helpers';

let cli = '';
beforeAll(() => {
  cli = path.join(buildBundles(), 'cli.js');
});

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'label', ...args, '--model', TINY_MODEL, '--provider', 'cpu', '--workers', '1'], {
    encoding: 'utf8',
    env: { ...process.env, ...BUNDLE_ENV },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function folder(n: number, bad = true): Promise<string> {
  const dir = tmpDir('rl-cli-');
  for (let i = 0; i < n; i++) await solidImage(path.join(dir, `s${i % 2}`, `${i}.jpg`), { r: i * 20, g: 100, b: 200 - i * 10 });
  if (bad) writeFileSync(path.join(dir, 'broken.jpg'), 'not a jpeg');
  return dir;
}

describe('rcnn-lens label', () => {
  it('exits 0 with error rows and prints a JSON summary when stdout is not a TTY', async () => {
    const dir = await folder(4);
    const r = run([dir]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.status).toBe('completed');
    expect(s.files).toBe(5);
    expect(s.errors).toBe(1);
    expect(s.errorCodes).toEqual({ unsupported: 1 });
    const lines = readFileSync(path.join(dir, 'labels.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(5);
  });

  it('writes CSV with --format csv, both with --format both, and only its shard with --shard', async () => {
    const dir = await folder(6, false);
    expect(run([dir, '--format', 'csv']).code).toBe(0);
    expect(readFileSync(path.join(dir, 'labels.csv'), 'utf8').split('\n')[0]).toBe(CSV_HEADER);
    const out = path.join(tmpDir(), 'x.jsonl');
    expect(run([dir, '--format', 'both', '--out', out]).code).toBe(0);
    expect(existsSync(out) && existsSync(out.replace(/\.jsonl$/, '.csv'))).toBe(true);
    let total = 0;
    for (const k of [1, 2]) {
      const o = path.join(dir, `shard${k}.jsonl`);
      const r = run([dir, '--shard', `${k}/2`, '--out', o]);
      expect(r.code, r.err).toBe(0);
      total += readFileSync(o, 'utf8').trim().split('\n').filter(Boolean).length;
    }
    expect(total).toBe(6);
  });

  it('--shard K/N without --out: each shard writes its own default file; together they cover every file once', async () => {
    const dir = await folder(7, false);
    for (const k of [1, 2]) {
      const r = run([dir, '--shard', `${k}/2`]);
      expect(r.code, r.err).toBe(0);
    }
    expect(existsSync(path.join(dir, 'labels.jsonl'))).toBe(false);
    const paths = [1, 2].map((k) => {
      const f = path.join(dir, `labels.shard-${k}-of-2.jsonl`);
      expect(existsSync(f)).toBe(true);
      return readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).path as string);
    });
    expect(paths[0].length).toBeGreaterThan(0);
    expect(paths[1].length).toBeGreaterThan(0);
    expect(paths[0].filter((p) => paths[1].includes(p))).toEqual([]);
    expect([...paths[0], ...paths[1]].sort()).toEqual(Array.from({ length: 7 }, (_, i) => `s${i % 2}/${i}.jpg`).sort());
    // A rerun of shard 1 keeps shard 2's file as it was.
    const before = readFileSync(path.join(dir, 'labels.shard-2-of-2.jsonl'), 'utf8');
    expect(run([dir, '--shard', '1/2']).code).toBe(0);
    expect(readFileSync(path.join(dir, 'labels.shard-2-of-2.jsonl'), 'utf8')).toBe(before);
  });

  it('a shard run is refused while a full run holds the folder, and a full run while a shard runs', async () => {
    const dir = await folder(2, false);
    const lock = await acquireLock(dir, 'labeling');
    const r = run([dir, '--shard', '1/2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already working on/);
    await lock.release();
    const shardLock = await acquireLock(dir, 'labeling shard 2/2', 'label.shard-2-of-2.lock');
    const r2 = run([dir]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/shard 2\/2/);
    expect(run([dir, '--shard', '1/2']).code).toBe(0); // another shard runs side by side
    await shardLock.release();
  });

  it('refuses a locked folder and a foreign output file with exit 2 and a clear message', async () => {
    const dir = await folder(2);
    const lock = await acquireLock(dir, 'labeling');
    const r = run([dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already working on/);
    await lock.release();
    writeFileSync(path.join(dir, 'labels.jsonl'), 'user notes\n');
    const r2 = run([dir]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/not written by RCNN Lens/);
    expect(readFileSync(path.join(dir, 'labels.jsonl'), 'utf8')).toBe('user notes\n');
  });

  it('--help prints the label usage and exits 0', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/usage: rcnn-lens label <folder>/);
    expect(r.out).toMatch(/--undo-sort/);
  });

  it('usage errors exit 2', () => {
    expect(run([]).code).toBe(2);
    expect(run(['/tmp', '--shard', '3/2']).code).toBe(2);
    expect(run(['/tmp', '--sort', 'sideways']).code).toBe(2);
    expect(run(['/does/not/exist']).code).not.toBe(0);
    const shardSort = run(['/tmp', '--shard', '1/2', '--sort', 'move']);
    expect(shardSort.code).toBe(2);
    expect(shardSort.err).toMatch(/--sort cannot be combined with --shard/);
    const mismatch = run(['/tmp', '--out', '/tmp/x.csv', '--format', 'jsonl']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toMatch(/does not match --format jsonl/);
  });

  it('a sort that fails after labeling keeps the labels and says so (exit 3)', async () => {
    const dir = await folder(3, false);
    expect(run([dir]).code).toBe(0);
    const labels = readFileSync(path.join(dir, 'labels.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).label as string);
    // Every class folder name is taken by a plain file, so each move fails.
    for (const c of new Set(labels)) writeFileSync(path.join(dir, c), 'in the way');
    const r = run([dir, '--sort', 'move']);
    expect(r.code, r.err).toBe(3);
    expect(r.err).toMatch(/every file was labeled, but the sort failed/);
    const summary = JSON.parse(r.out);
    expect(summary.files).toBe(3);
    expect(summary.errors).toBe(0);
    expect(summary.sortError).toBeTruthy();
    expect(readFileSync(path.join(dir, 'labels.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('--content-hash: records carry the hash; a touched file is reused by content and counted in the summary', async () => {
    const dir = await folder(3, false);
    const r1 = run([dir, '--content-hash', '--format', 'both']);
    expect(r1.code, r1.err).toBe(0);
    const recs = readFileSync(path.join(dir, 'labels.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.every((r) => /^[0-9a-f]{64}$/.test(r.sha256))).toBe(true);
    expect(readFileSync(path.join(dir, 'labels.csv'), 'utf8')).toContain(recs[0].sha256);
    const t = new Date(Date.now() + 120_000);
    utimesSync(path.join(dir, recs[0].path), t, t);
    const r2 = run([dir, '--content-hash', '--format', 'both']);
    expect(r2.code, r2.err).toBe(0);
    expect(JSON.parse(r2.out)).toMatchObject({ labeled: 0, reused: 3, reusedByContent: 1 });
    // Without the flag the same touch means labeling again.
    utimesSync(path.join(dir, recs[1].path), t, t);
    expect(JSON.parse(run([dir, '--format', 'both']).out)).toMatchObject({ labeled: 1, reused: 2, reusedByContent: 0 });
  });

  it('--sort move then --undo-sort restores the folder', async () => {
    const dir = await folder(4, false);
    const before = snapshotTree(dir);
    const r = run([dir, '--sort', 'move']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).sort.sorted).toBeGreaterThan(0);
    const u = spawnSync(process.execPath, [cli, 'label', '--undo-sort', dir, '--json'], { encoding: 'utf8', env: { ...process.env, ...BUNDLE_ENV } });
    expect(u.status, u.stderr).toBe(0);
    const after = snapshotTree(dir);
    delete after['labels.jsonl'];
    expect(after).toEqual(before);
  });
});

describe('rcnn-lens label, killed mid-run', () => {
  it('SIGKILL leaves the old labels file whole; the rerun resumes from the journal', async () => {
    const { spawn } = await import('node:child_process');
    const { linkSync, mkdirSync, readdirSync } = await import('node:fs');
    const dir = tmpDir('rl-kill-');
    const seeds: string[] = [];
    for (let k = 0; k < 10; k++) {
      const f = path.join(dir, 'seed', `s${k}.jpg`);
      await solidImage(f, { r: k * 25, g: 50, b: 100 });
      seeds.push(f);
    }
    mkdirSync(path.join(dir, 'many'));
    for (let i = 0; i < 400; i++) linkSync(seeds[i % 10], path.join(dir, 'many', `${String(i).padStart(4, '0')}.jpg`));
    const out = path.join(dir, 'labels.jsonl');
    writeFileSync(out, ''); // an old (empty) labels file of ours
    const journal = path.join(dir, '.rcnn-lens', 'labels.jsonl.partial.jsonl');
    const child = spawn(process.execPath, [cli, 'label', dir, '--model', TINY_MODEL, '--provider', 'cpu', '--workers', '1', '--batch', '4'], {
      env: { ...process.env, ...BUNDLE_ENV },
      stdio: 'ignore',
    });
    const started = Date.now();
    while (Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 20));
      if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 40) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const done = readFileSync(journal, 'utf8').split('\n').filter((l) => l.trim()).length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(410);
    expect(readFileSync(out, 'utf8')).toBe('');
    // The dead run's lock is stale and its journal is reused.
    const r = run([dir]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.reused).toBeGreaterThanOrEqual(done - 1); // a torn last line may be redone
    expect(s.labeled + s.reused).toBe(410);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(410);
    expect(readdirSync(dir).filter((n) => n.includes('rcnn-tmp'))).toEqual([]);
  });
});
