import { existsSync, readFileSync, readdirSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/labeling/errors';
import { ForeignOutputError } from '../../src/core/labelsFile/read';
import { journalPath } from '../../src/core/labeling/journal';
import { runLabelJob } from '../../src/core/labeling/run';
import { type LabelJobOptions } from '../../src/core/labeling/types';
import { LockedError, acquireLock } from '../../src/core/folder/lock';
import { parseShard } from '../../src/core/batch/shard';
import { CRASH_HOOK_ENV, HANG_HOOK_ENV, NAN_HOOK_ENV } from '../../src/worker/testHooks';
import { BUNDLE_ENV, buildBundles, makeHostileFolder, solidImage, tmpDir, labelJobOptions, readLabelRecords } from '../fixtures/hostile/helpers';

let workerScript = '';
beforeAll(() => {
  workerScript = path.join(buildBundles(), 'labelWorker.js');
});

const opts = (folder: string, extra: Partial<LabelJobOptions> = {}): LabelJobOptions => labelJobOptions(folder, workerScript, extra);
const readRecords = readLabelRecords;

async function makePlainFolder(n: number): Promise<string> {
  const dir = tmpDir('rl-plain-');
  for (let i = 0; i < n; i++) {
    await solidImage(path.join(dir, `c${i % 3}`, `img${String(i).padStart(3, '0')}.jpg`), { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 13) % 256 });
  }
  return dir;
}

/**
 * Labels a plain folder of `n` images plus `rel`, which a worker test hook (`hookEnv`, matching the
 * file's name) makes misbehave; returns the run's summary, every record and the failed ones.
 */
async function labelWithOnePoisonedFile(n: number, rel: string, hookEnv: string, extra: Partial<LabelJobOptions>) {
  const dir = await makePlainFolder(n);
  await solidImage(path.join(dir, ...rel.split('/')), { r: 1, g: 1, b: 1 });
  const summary = await runLabelJob(opts(dir, { ...extra, workerEnv: { ...BUNDLE_ENV, [hookEnv]: path.basename(rel) } }));
  const records = readRecords(path.join(dir, 'labels.jsonl'));
  return { summary, records, failed: records.filter((r) => r.error) };
}

describe('labeling a hostile folder', () => {
  it('accounts for every image-like file with a label or an error reason, without crashing', async () => {
    const h = await makeHostileFolder();
    const summary = await runLabelJob(opts(h.dir, { followSymlinks: true, batchSize: 4 }));
    expect(summary.status).toBe('completed');
    const records = readRecords(path.join(h.dir, 'labels.jsonl'));
    const byPath = new Map(records.map((r) => [r.path, r]));
    for (const [rel, want] of Object.entries(h.expected)) {
      const r = byPath.get(rel);
      expect(r, `${rel} is missing from labels.jsonl`).toBeDefined();
      if (want === 'label') {
        expect(r!.error, `${rel}: ${JSON.stringify(r!.error)}`).toBeUndefined();
        expect(typeof r!.label).toBe('string');
        expect(r!.topk!.length).toBe(5);
        expect(r!.score).toBeCloseTo(r!.topk![0].score, 5);
      } else {
        expect(r!.error, `${rel} should fail`).toBeDefined();
        expect(Array.isArray(want) ? want : [want], `${rel}: ${r!.error!.code} ${r!.error!.message}`).toContain(r!.error!.code);
        expect(r!.label).toBeUndefined();
      }
    }
    // Symlinks: the self-loop and the dangling link are error rows; the alias is followed;
    // the folder loop (links/loop -> ..) is not entered twice.
    expect(byPath.get('links/self.jpg')?.error?.code).toBe('unreadable');
    expect(byPath.get('links/dangling.jpg')?.error?.code).toBe('not_found');
    expect(byPath.get('links/alias.jpg')?.label).toBeDefined();
    expect([...byPath.keys()].some((p) => p.startsWith('links/loop/'))).toBe(false);
    expect(summary.warnings.some((w) => w.includes('links/loop'))).toBe(true);
    for (const p of h.notImages) expect(byPath.has(p)).toBe(false);
    expect(records.length).toBe(Object.keys(h.expected).length + 3);
    expect(summary.files).toBe(records.length);
    // Relative forward-slash paths, model identity on every record.
    for (const r of records) {
      expect(r.path.startsWith('/')).toBe(false);
      expect(r.model.hash).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('a native crash in the decoder loses only that file; the worker restarts and the run goes on', async () => {
    const { summary, records, failed } = await labelWithOnePoisonedFile(12, 'c1/boom.jpg', CRASH_HOOK_ENV, { batchSize: 8 });
    expect(records.length).toBe(13);
    expect(failed.map((r) => r.path)).toEqual(['c1/boom.jpg']);
    expect(failed[0].error!.code).toBe('crash');
    expect(summary.workerRestarts).toBeGreaterThan(0);
  });

  it('a decoder that hangs loses only that file, recorded as a timeout (retried by the next run)', async () => {
    const { summary, records, failed } = await labelWithOnePoisonedFile(6, 'c1/hang.jpg', HANG_HOOK_ENV, { batchSize: 4, batchTimeoutMs: 2000 });
    expect(records.length).toBe(7);
    expect(failed.map((r) => r.path)).toEqual(['c1/hang.jpg']);
    expect(failed[0].error!.code).toBe('timeout');
    expect(summary.workerRestarts).toBeGreaterThan(0);
  }, 30_000);
});

describe('model output', () => {
  it('an image whose logits come out non-finite is an error row with the reason, not a label without a score', async () => {
    const { summary, records, failed } = await labelWithOnePoisonedFile(9, 'c2/nan.jpg', NAN_HOOK_ENV, { batchSize: 4 });
    expect(records.length).toBe(10);
    expect(failed.map((r) => r.path)).toEqual(['c2/nan.jpg']);
    expect(failed[0].error!.code).toBe('model_error');
    expect(failed[0].error!.message).toMatch(/non-finite logits \(NaN for class 0/);
    expect(failed[0].label).toBeUndefined();
    for (const r of records.filter((x) => !x.error)) expect(Number.isFinite(r.score)).toBe(true);
    expect(summary.errorCodes).toEqual({ model_error: 1 });
  });
});

describe('incremental reruns and resume', () => {
  it('skips unchanged files, relabels changed and new ones, keeps human reviews', async () => {
    const dir = await makePlainFolder(9);
    const out = path.join(dir, 'labels.jsonl');
    const first = await runLabelJob(opts(dir));
    expect(first.labeled).toBe(9);
    // A human reviews one record.
    const recs = readRecords(out);
    recs[0].reviewed = { label: 'horse', at: '2026-01-01T00:00:00.000Z' };
    const { toJsonLine } = await import('../../src/core/labelsFile/records');
    writeFileSync(out, recs.map((r) => toJsonLine(r) + '\n').join(''));
    const again = await runLabelJob(opts(dir));
    expect(again.labeled).toBe(0);
    expect(again.reused).toBe(9);
    // Grow the folder and touch one file.
    await solidImage(path.join(dir, 'new', 'n1.jpg'), { r: 9, g: 9, b: 9 });
    const touched = path.join(dir, recs[1].path);
    const future = new Date(Date.now() + 60_000);
    utimesSync(touched, future, future);
    const third = await runLabelJob(opts(dir));
    expect(third.labeled).toBe(2);
    expect(third.reused).toBe(8);
    const after = readRecords(out);
    expect(after.length).toBe(10);
    expect(after.find((r) => r.path === recs[0].path)!.reviewed?.label).toBe('horse');
    expect(third.classCounts.horse).toBeGreaterThanOrEqual(1);
  });

  it('a different model relabels everything but keeps the human reviews', async () => {
    const dir = await makePlainFolder(3);
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir));
    const recs = readRecords(out).map((r, i) => (i === 0 ? { ...r, reviewed: { label: 'cat', at: 'x' }, model: { ...r.model, hash: '0000000000000000' } } : { ...r, model: { ...r.model, hash: '0000000000000000' } }));
    const { toJsonLine } = await import('../../src/core/labelsFile/records');
    writeFileSync(out, recs.map((r) => toJsonLine(r) + '\n').join(''));
    const s = await runLabelJob(opts(dir));
    expect(s.labeled).toBe(3);
    expect(readRecords(out)[0].reviewed?.label).toBe('cat');
  });

  it('a cancelled run leaves the previous labels file intact and the next run resumes from its journal', async () => {
    const dir = await makePlainFolder(40);
    const out = path.join(dir, 'labels.jsonl');
    writeFileSync(out, ''); // an (empty) file of ours from before
    const controller = new AbortController();
    await expect(
      runLabelJob(opts(dir, { batchSize: 4 }), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'labeling' && p.done >= 8) controller.abort();
        },
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(readFileSync(out, 'utf8')).toBe('');
    const journal = readFileSync(journalPath(out), 'utf8').trim().split('\n');
    expect(journal.length).toBeGreaterThanOrEqual(8);
    expect(journal.length).toBeLessThan(40);
    // The lock was released: the rerun starts, and only labels what the journal lacks.
    const resumed = await runLabelJob(opts(dir, { batchSize: 4 }));
    expect(resumed.reused).toBe(journal.length);
    expect(resumed.labeled).toBe(40 - journal.length);
    expect(readRecords(out).length).toBe(40);
    expect(existsSync(journalPath(out))).toBe(false);
  });

  it('resumes from a journal with a torn last line (process killed mid-write)', async () => {
    const dir = await makePlainFolder(6);
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir));
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(journalPath(out)), { recursive: true });
    writeFileSync(journalPath(out), lines.slice(0, 3).join('\n') + '\n' + lines[3].slice(0, 20));
    const { unlinkSync } = await import('node:fs');
    unlinkSync(out);
    const s = await runLabelJob(opts(dir));
    expect(s.reused).toBe(3);
    expect(s.labeled).toBe(3);
    expect(readRecords(out).length).toBe(6);
  });
});

describe('outputs, locks and shards', () => {
  it('refuses to overwrite a labels file that is not ours, and never leaves temp files', async () => {
    const dir = await makePlainFolder(3);
    const out = path.join(dir, 'labels.jsonl');
    writeFileSync(out, '{"some":"other tool"}\n');
    await expect(runLabelJob(opts(dir))).rejects.toBeInstanceOf(ForeignOutputError);
    expect(readFileSync(out, 'utf8')).toBe('{"some":"other tool"}\n');
    const csv = path.join(dir, 'labels.csv');
    writeFileSync(csv, 'filename,class\na.jpg,cat\n');
    await expect(runLabelJob(opts(dir, { outputs: [{ file: csv, format: 'csv' }] }))).rejects.toBeInstanceOf(ForeignOutputError);
    const forced = await runLabelJob(opts(dir, { force: true }));
    expect(forced.labeled).toBe(3);
    expect(readRecords(out).length).toBe(3);
    expect(readdirSync(dir).filter((n) => n.includes('rcnn-tmp'))).toEqual([]);
  });

  it('a file of the user\'s put at the output path during the run is not overwritten; the rerun resumes', async () => {
    const dir = await makePlainFolder(4);
    const out = path.join(dir, 'labels.jsonl');
    await expect(
      runLabelJob(opts(dir, { batchSize: 1 }), {
        onProgress: (p) => {
          if (p.phase === 'labeling' && p.done === 1 && !existsSync(out)) writeFileSync(out, 'my notes\n');
        },
      }),
    ).rejects.toBeInstanceOf(ForeignOutputError);
    expect(readFileSync(out, 'utf8')).toBe('my notes\n');
    unlinkSync(out);
    const again = await runLabelJob(opts(dir));
    expect(again.labeled).toBe(0);
    expect(readRecords(out).length).toBe(4);
  });

  it('writes JSONL and CSV side by side with the same records (any file name)', async () => {
    const dir = await makePlainFolder(4);
    await solidImage(path.join(dir, '猫 cats', 'ünï, "q".jpg'), { r: 1, g: 2, b: 3 });
    const outputs = [
      { file: path.join(dir, 'out', 'l.jsonl'), format: 'jsonl' as const },
      { file: path.join(dir, 'out', 'l.csv'), format: 'csv' as const },
    ];
    await runLabelJob(opts(dir, { outputs }));
    const a = readRecords(outputs[0].file);
    const b = readRecords(outputs[1].file);
    expect(b.map((r) => [r.path, r.label])).toEqual(a.map((r) => [r.path, r.label]));
    expect(b[0].topk).toEqual(a[0].topk);
    expect(a.map((r) => r.path)).toContain('猫 cats/ünï, "q".jpg');
    // Outputs inside the folder are not labeled as images on the rerun; the CSV alone is enough state.
    const again = await runLabelJob(opts(dir, { outputs: [outputs[1]] }));
    expect(again.reused).toBe(5);
  });

  it('refuses a second run on the same folder while one holds the lock, and takes over a stale lock', async () => {
    const dir = await makePlainFolder(2);
    const lock = await acquireLock(dir, 'test run');
    const err = await runLabelJob(opts(dir)).catch((e) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect(String(err.message)).toMatch(/already working on .* process \d+/);
    await lock.release();
    // A lock left by a process that no longer exists is stale.
    const { writeFileSync: w } = await import('node:fs');
    const os = await import('node:os');
    w(path.join(dir, '.rcnn-lens', 'label.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), startedAt: 'then', purpose: 'labeling' }));
    const s = await runLabelJob(opts(dir));
    expect(s.labeled).toBe(2);
  });

  it('two concurrent runs: exactly one wins', async () => {
    const dir = await makePlainFolder(6);
    const results = await Promise.allSettled([runLabelJob(opts(dir)), runLabelJob(opts(dir))]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(LockedError);
  });

  it('shards partition the files: every file in exactly one shard, outputs concatenate', async () => {
    const dir = await makePlainFolder(30);
    const all: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const file = path.join(dir, `labels.${k}.jsonl`);
      await runLabelJob(opts(dir, { shard: parseShard(`${k}/3`), outputs: [{ file, format: 'jsonl' }] }));
      all.push(...readRecords(file).map((r) => r.path));
    }
    expect(all.length).toBe(30);
    expect(new Set(all).size).toBe(30);
  });
});

describe('host responsiveness and permissions', () => {
  it('keeps the event loop of the calling process responsive during a run (p99 lag < 50 ms)', async () => {
    const { linkSync, mkdirSync } = await import('node:fs');
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const dir = tmpDir('rl-lag-');
    const seeds: string[] = [];
    for (let k = 0; k < 10; k++) {
      const f = path.join(dir, 'seed', `s${k}.png`);
      await solidImage(f, { r: k * 25, g: 50, b: 100 }, 'png');
      seeds.push(f);
    }
    for (let i = 0; i < 3000; i++) {
      const d = path.join(dir, `d${i % 30}`);
      mkdirSync(d, { recursive: true });
      linkSync(seeds[i % 10], path.join(d, `${i}.png`));
    }
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const s = await runLabelJob(opts(dir));
    h.disable();
    expect(s.files).toBe(3010);
    const p99 = h.percentile(99) / 1e6;
    expect(p99, `p99 event-loop delay ${p99.toFixed(1)} ms (max ${(h.max / 1e6).toFixed(1)} ms)`).toBeLessThan(50);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file is an error row, not a crash (not testable as root)', async () => {
    const { chmodSync } = await import('node:fs');
    const dir = await makePlainFolder(2);
    const f = path.join(dir, 'c0', 'img000.jpg');
    chmodSync(f, 0o000);
    await runLabelJob(opts(dir));
    const r = readRecords(path.join(dir, 'labels.jsonl')).find((x) => x.path === 'c0/img000.jpg');
    expect(r?.error?.code).toBe('unreadable');
  });
});
