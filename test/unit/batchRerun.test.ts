import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, journalPath, runLabelJob, type LabelJobOptions } from '../../src/core/batch/pipeline';
import { acquireLock, isLocked } from '../../src/core/batch/lock';
import { toJsonLine } from '../../src/core/batch/records';
import { buildBundles, solidImage, tmpDir, labelJobOptions, readLabelRecords } from '../fixtures/hostile/helpers';

let workerScript = '';
beforeAll(() => {
  workerScript = path.join(buildBundles(), 'labelWorker.js');
});

const opts = (folder: string, extra: Partial<LabelJobOptions> = {}): LabelJobOptions => labelJobOptions(folder, workerScript, extra);
const readRecords = readLabelRecords;

async function plain(n: number): Promise<string> {
  const dir = tmpDir('rl-rerun-');
  for (let i = 0; i < n; i++) await solidImage(path.join(dir, `img${i}.jpg`), { r: i * 30, g: 80, b: 160 });
  return dir;
}

describe('folder lock relation', () => {
  it('the folder lock and shard locks exclude each other; shard locks do not exclude each other', async () => {
    const dir = tmpDir('rl-lock-');
    const s1 = await acquireLock(dir, 'labeling shard 1/2', 'label.shard-1-of-2.lock');
    const s2 = await acquireLock(dir, 'labeling shard 2/2', 'label.shard-2-of-2.lock');
    await expect(acquireLock(dir, 'sorting')).rejects.toThrow(/shard/);
    expect((await isLocked(dir))?.purpose).toMatch(/shard/);
    await s1.release();
    await s2.release();
    const full = await acquireLock(dir, 'labeling');
    await expect(acquireLock(dir, 'labeling shard 1/2', 'label.shard-1-of-2.lock')).rejects.toThrow(/already working/);
    await full.release();
    // nothing left behind by the refused taker
    (await acquireLock(dir, 'labeling shard 1/2', 'label.shard-1-of-2.lock')).release();
  });
});

describe('cancel before labeling', () => {
  it('cancelling during the scan is a CancelledError, not a failure', async () => {
    const dir = await plain(3);
    const c = new AbortController();
    c.abort();
    await expect(runLabelJob(opts(dir), { signal: c.signal })).rejects.toBeInstanceOf(CancelledError);
    const c2 = new AbortController();
    await expect(
      runLabelJob(opts(dir), {
        signal: c2.signal,
        onProgress: (p) => {
          if (p.phase === 'scanning') c2.abort();
        },
      }),
    ).rejects.toBeInstanceOf(CancelledError);
  });

  it('cancelling while the model starts is a CancelledError', async () => {
    const dir = await plain(3);
    const c = new AbortController();
    await expect(
      runLabelJob(opts(dir), {
        signal: c.signal,
        onProgress: (p) => {
          if (p.phase === 'loading') c.abort();
        },
      }),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('resume and reruns', () => {
  it('resuming from a journal keeps a review made after the journal line was written', async () => {
    const dir = await plain(3);
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir));
    const recs = readRecords(out);
    // An interrupted rerun journaled img0 (without a review); afterwards the human reviewed it in the labels file.
    mkdirSync(path.dirname(journalPath(out)), { recursive: true });
    writeFileSync(journalPath(out), toJsonLine(recs[0]) + '\n');
    const reviewed = recs.map((r, i) => (i === 0 ? { ...r, reviewed: { label: 'zebra', at: '2026-01-01T00:00:00.000Z' } } : r));
    writeFileSync(out, reviewed.map((r) => toJsonLine(r) + '\n').join(''));
    const s = await runLabelJob(opts(dir));
    expect(s.labeled).toBe(0);
    expect(readRecords(out).find((r) => r.path === recs[0].path)!.reviewed?.label).toBe('zebra');
  });

  it('too_large rows are retried when the pixel limit changes', async () => {
    const dir = await plain(2);
    const out = path.join(dir, 'labels.jsonl');
    const small = await runLabelJob(opts(dir, { maxPixels: 1000 })); // 40×30 = 1200 pixels
    expect(small.errorCodes).toEqual({ too_large: 2 });
    const same = await runLabelJob(opts(dir, { maxPixels: 1000 }));
    expect(same.labeled).toBe(0);
    const raised = await runLabelJob(opts(dir, { maxPixels: 10_000 }));
    expect(raised.labeled).toBe(2);
    expect(readRecords(out).every((r) => !r.error && r.label)).toBe(true);
  });

  it('error rows are retried when the model changed', async () => {
    const dir = await plain(2);
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir, { maxPixels: 1000 }));
    const other = readRecords(out).map((r) => ({ ...r, model: { ...r.model, hash: '0000000000000000' } }));
    writeFileSync(out, other.map((r) => toJsonLine(r) + '\n').join(''));
    const s = await runLabelJob(opts(dir, { maxPixels: 1000 }));
    expect(s.labeled).toBe(2);
    expect(readRecords(out).every((r) => r.model.hash !== '0000000000000000')).toBe(true);
  });

  it('--full does not resume, and truncates, an old journal', async () => {
    const dir = await plain(2);
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir));
    const recs = readRecords(out);
    const stale = { ...recs[0], label: 'stale', topk: [{ label: 'stale', score: 1 }], score: 1 };
    mkdirSync(path.dirname(journalPath(out)), { recursive: true });
    writeFileSync(journalPath(out), toJsonLine(stale) + '\n');
    // a --full run cancelled once it is labeling: the stale journal line must be gone
    const c = new AbortController();
    await expect(
      runLabelJob(opts(dir, { full: true, batchSize: 1 }), {
        signal: c.signal,
        onProgress: (p) => {
          if (p.phase === 'labeling') c.abort();
        },
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    const j = existsSync(journalPath(out)) ? readFileSync(journalPath(out), 'utf8') : '';
    expect(j).not.toContain('"stale"');
    await runLabelJob(opts(dir));
    expect(readRecords(out).some((r) => r.label === 'stale')).toBe(false);
  });
});
