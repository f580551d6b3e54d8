/**
 * `label --shard auto` under a (simulated) Slurm array and `label --merge-shards`: the merged file
 * equals a single-machine run, record for record and byte for byte; a merge that does not fit
 * writes nothing and says why. (The real Slurm run is test/slurm/slurm-array.sh, in CI.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, solidImage, tmpDir } from '../fixtures/hostile/helpers';

let cli = '';
beforeAll(() => {
  cli = path.join(buildBundles(), 'cli.js');
});

function label(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, 'label', ...args, '--model', TINY_MODEL, '--provider', 'cpu', '--workers', '1'], {
    encoding: 'utf8',
    env: { ...process.env, ...BUNDLE_ENV, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const slurmTask = (id: number, n: number) => ({
  SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: String(n - 1), SLURM_ARRAY_TASK_COUNT: String(n),
});

async function folder(n: number): Promise<string> {
  const dir = tmpDir('rl-shard-');
  for (let i = 0; i < n; i++) await solidImage(path.join(dir, `c${i % 3}`, `${i}.jpg`), { r: (i * 37) % 256, g: (i * 91) % 256, b: 200 - i });
  writeFileSync(path.join(dir, 'broken.jpg'), 'not a jpeg'); // error rows merge too
  return dir;
}

function runShards(dir: string, n: number, only?: number[]) {
  for (let id = 0; id < n; id++) {
    if (only && !only.includes(id)) continue;
    const r = label([dir, '--shard', 'auto'], slurmTask(id, n));
    expect(r.code, r.err).toBe(0);
  }
}

describe('label --shard auto + --merge-shards', () => {
  it('merges the shards of an array into what one machine writes, byte for byte', async () => {
    const dir = await folder(14);
    const single = tmpDir('rl-single-');
    // cp -a keeps nanosecond times (cpSync's preserveTimestamps rounds them, and records carry the mtime).
    expect(spawnSync('cp', ['-a', `${dir}/.`, single]).status).toBe(0);
    runShards(dir, 3);
    for (let k = 1; k <= 3; k++) expect(existsSync(path.join(dir, '.rcnn-lens', 'shards', `shard-${k}-of-3.json`))).toBe(true);
    const m = label([dir, '--merge-shards', '--json']);
    expect(m.code, m.err).toBe(0);
    expect(JSON.parse(m.out)).toMatchObject({ shards: 3, files: 15 });
    expect(label([single]).code).toBe(0);
    expect(readFileSync(path.join(dir, 'labels.jsonl'), 'utf8')).toBe(readFileSync(path.join(single, 'labels.jsonl'), 'utf8'));
  });

  it('refuses, naming it, a shard that has not finished, and writes nothing', async () => {
    const dir = await folder(8);
    runShards(dir, 3, [0, 2]);
    const m = label([dir, '--merge-shards']);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/shard 2 of 3 has not finished/);
    expect(existsSync(path.join(dir, 'labels.jsonl'))).toBe(false);
  });

  it('refuses an image that no shard labeled, and a record moved into the wrong shard', async () => {
    const dir = await folder(8);
    runShards(dir, 2);
    await solidImage(path.join(dir, 'late.jpg'), { r: 1, g: 2, b: 3 });
    const late = label([dir, '--merge-shards']);
    expect(late.code).toBe(2);
    expect(late.err).toMatch(/in no shard \(late\.jpg\)/);
    rmSync(path.join(dir, 'late.jpg'));
    // Move one record from shard 1's file to shard 2's: same count in total, wrong owner.
    const f1 = path.join(dir, 'labels.shard-1-of-2.jsonl');
    const f2 = path.join(dir, 'labels.shard-2-of-2.jsonl');
    const l1 = readFileSync(f1, 'utf8').trim().split('\n');
    writeFileSync(f2, readFileSync(f2, 'utf8') + l1[0] + '\n');
    const moved = label([dir, '--merge-shards']);
    expect(moved.code).toBe(2);
    expect(moved.err).toMatch(/shard 2.*changed after the shard ended|belongs to another shard/);
    expect(existsSync(path.join(dir, 'labels.jsonl'))).toBe(false);
  });

  it('keeps an existing labels file when the merge is refused', async () => {
    const dir = await folder(6);
    runShards(dir, 2);
    writeFileSync(path.join(dir, 'labels.jsonl'), 'old\n');
    rmSync(path.join(dir, '.rcnn-lens', 'shards', 'shard-2-of-2.json'));
    expect(label([dir, '--merge-shards']).code).toBe(2);
    expect(readFileSync(path.join(dir, 'labels.jsonl'), 'utf8')).toBe('old\n');
  });

  it('refuses shards of two different splits, and hostile markers', async () => {
    const dir = await folder(6);
    runShards(dir, 2);
    const shards = path.join(dir, '.rcnn-lens', 'shards');
    writeFileSync(path.join(shards, 'shard-1-of-3.json'), readFileSync(path.join(shards, 'shard-1-of-2.json')));
    expect(label([dir, '--merge-shards']).err).toMatch(/split 3 and 2 ways|split 2 and 3 ways|shard does not match its name/);
    rmSync(path.join(shards, 'shard-1-of-3.json'));
    // A marker naming a file outside the folder is not believed.
    const marker = JSON.parse(readFileSync(path.join(shards, 'shard-1-of-2.json'), 'utf8'));
    marker.outputs = [{ file: '../../../etc/passwd', format: 'jsonl' }];
    writeFileSync(path.join(shards, 'shard-1-of-2.json'), JSON.stringify(marker));
    const r = label([dir, '--merge-shards']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a labels file inside the folder/);
  });

  it('does not read markers through a shards folder that is a link out of the folder', async () => {
    const dir = await folder(4);
    const elsewhere = tmpDir('rl-elsewhere-');
    mkdirSync(path.join(dir, '.rcnn-lens'), { recursive: true });
    symlinkSync(elsewhere, path.join(dir, '.rcnn-lens', 'shards'));
    const r = label([dir, '--merge-shards']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/shard markers folder/);
  });

  it('says what --shard auto looked for outside a scheduler', async () => {
    const dir = await folder(2);
    const env = { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '' };
    const r = label([dir, '--shard', 'auto'], env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no scheduler/);
  });
});
