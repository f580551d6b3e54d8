import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashFileContent } from '../../src/core/batch/contentHash';
import { CancelledError } from '../../src/core/labeling/errors';
import { hashModelFile } from '../../src/core/labeling/model';
import { journalPath } from '../../src/core/labeling/journal';
import { runLabelJob } from '../../src/core/labeling/run';
import { type LabelJobOptions } from '../../src/core/labeling/types';
import { acquireLock, isLocked } from '../../src/core/folder/lock';
import { type LabelRecord, toCsvLine, toJsonLine, CSV_HEADER } from '../../src/core/labelsFile/records';
import type { BatchResultMessage, FromWorker, ToWorker } from '../../src/core/batch/workerProtocol';
import { CRASH_HOOK_ENV } from '../../src/worker/testHooks';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, solidImage, tmpDir, labelJobOptions, readLabelRecords } from '../fixtures/hostile/helpers';

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

  it('--full relabels every file but keeps the human reviews of unchanged files', async () => {
    const dir = await plain(3);
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir));
    const recs = readRecords(out);
    const reviewed = recs.map((r, i) => (i === 1 ? { ...r, reviewed: { label: 'zebra', at: '2026-01-01T00:00:00.000Z' } } : r));
    writeFileSync(out, reviewed.map((r) => toJsonLine(r) + '\n').join(''));
    const s = await runLabelJob(opts(dir, { full: true }));
    expect(s.labeled).toBe(3);
    const after = readRecords(out);
    expect(after.find((r) => r.path === recs[1].path)!.reviewed?.label).toBe('zebra');
    expect(after.filter((r) => r.reviewed)).toHaveLength(1);
  });

  it('resuming after a torn journal line: the torn line is dropped, the next record is whole', async () => {
    const dir = await plain(3);
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir));
    const recs = readRecords(out);
    // A killed rerun journaled img0 and died half-way through the next line.
    mkdirSync(path.dirname(journalPath(out)), { recursive: true });
    writeFileSync(journalPath(out), toJsonLine(recs[0]) + '\n' + toJsonLine(recs[1]).slice(0, 25));
    // Force relabeling of the other files (new mtimes), then cancel once the first batch is journaled.
    const t = new Date(Date.now() + 60_000);
    for (const r of recs.slice(1)) utimesSync(path.join(dir, r.path), t, t);
    const c = new AbortController();
    await runLabelJob(opts(dir, { batchSize: 1 }), {
      signal: c.signal,
      onProgress: (p) => {
        if (p.phase === 'labeling' && p.done >= 1) c.abort();
      },
    }).catch((err) => expect(err).toBeInstanceOf(CancelledError));
    const lines = readFileSync(journalPath(out), 'utf8').split('\n').filter(Boolean);
    // The torn fragment stays alone on its line; every new record after it is a whole line.
    expect(lines[1]).toBe(toJsonLine(recs[1]).slice(0, 25));
    expect(lines.slice(2).length).toBeGreaterThan(0);
    for (const l of lines.slice(2)) expect(() => JSON.parse(l)).not.toThrow();
    const s = await runLabelJob(opts(dir));
    expect(s.files).toBe(3);
    expect(readRecords(out)).toHaveLength(3);
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

// ---- content mode (--content-hash / rcnnLens.label.contentHash) ----

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** An uncompressed TIFF: a different colour gives different bytes of exactly the same size. */
async function rawTiff(file: string, colour: { r: number; g: number; b: number }): Promise<void> {
  await sharp({ create: { width: 40, height: 30, channels: 3, background: colour } }).tiff({ compression: 'none' }).toFile(file);
}

/** keep0..1 stay as they are, touched0..2 get a new mtime (same bytes), changed.tif new bytes of the same size. */
async function contentFolder(): Promise<string> {
  const dir = tmpDir('rl-content-');
  for (let i = 0; i < 2; i++) await solidImage(path.join(dir, `keep${i}.jpg`), { r: 200, g: i * 60, b: 30 });
  for (let i = 0; i < 3; i++) await solidImage(path.join(dir, 'sub', `touched${i}.jpg`), { r: i * 70, g: 20, b: 220 });
  await rawTiff(path.join(dir, 'changed.tif'), { r: 10, g: 200, b: 10 });
  return dir;
}

function touch(file: string, secondsAhead: number): void {
  const t = new Date(Date.now() + secondsAhead * 1000);
  utimesSync(file, t, t);
}

function writeRecords(file: string, recs: LabelRecord[]): void {
  writeFileSync(file, file.endsWith('.csv') ? [CSV_HEADER, ...recs.map(toCsvLine)].join('\n') + '\n' : recs.map((r) => toJsonLine(r) + '\n').join(''));
}

const REVIEW = { label: 'horse', at: '2026-01-01T00:00:00.000Z' };

/** Labels `dir` in content mode, reviews every file, then touches the touched* files and rewrites changed.tif. */
async function labelReviewAndTouch(dir: string, out: string): Promise<LabelRecord[]> {
  const first = await runLabelJob(opts(dir, { contentHash: true, outputs: [{ file: out, format: out.endsWith('.csv') ? 'csv' : 'jsonl' }] }));
  expect(first.labeled).toBe(6);
  expect(first.reusedByContent).toBe(0);
  const recs = readRecords(out);
  for (const r of recs) expect(r.sha256, r.path).toBe(sha(path.join(dir, r.path)));
  writeRecords(out, recs.map((r) => ({ ...r, reviewed: REVIEW })));
  for (let i = 0; i < 3; i++) touch(path.join(dir, 'sub', `touched${i}.jpg`), 120);
  const changed = path.join(dir, 'changed.tif');
  const before = readFileSync(changed);
  await rawTiff(changed, { r: 250, g: 10, b: 250 });
  // Precondition of the test: same size, other bytes, a new mtime.
  expect(statSync(changed).size).toBe(before.length);
  expect(readFileSync(changed).equals(before)).toBe(false);
  touch(changed, 240);
  return recs;
}

describe('content mode reruns', () => {
  for (const format of ['jsonl', 'csv'] as const) {
    it(`reuses touched files (same bytes) with their reviews and the new mtime, relabels only new bytes (${format})`, async () => {
      const dir = await contentFolder();
      const out = path.join(dir, `labels.${format}`);
      const recs = await labelReviewAndTouch(dir, out);
      // A worker given any touched file crashes on it: reused files must never reach a worker.
      const again = await runLabelJob(
        opts(dir, { contentHash: true, outputs: [{ file: out, format }], workerEnv: { ...BUNDLE_ENV, [CRASH_HOOK_ENV]: 'touched' } }),
      );
      expect(again.labeled).toBe(1);
      expect(again.reused).toBe(5);
      expect(again.reusedByContent).toBe(3);
      expect(again.errors).toBe(0);
      expect(again.errorCodes).toEqual({});
      const after = readRecords(out);
      expect(after.map((r) => r.path).sort()).toEqual(recs.map((r) => r.path).sort());
      for (const r of after) {
        const file = path.join(dir, r.path);
        expect(r.mtime, r.path).toBe(Math.floor(statSync(file).mtimeMs));
        expect(r.sha256, r.path).toBe(sha(file));
        if (r.path === 'changed.tif') expect(r.reviewed, r.path).toBeUndefined(); // new bytes: the review was of other content
        else expect(r.reviewed, r.path).toEqual(REVIEW);
      }
      // The reused records are the previous ones, only with the new mtime.
      const old = new Map(recs.map((r) => [r.path, r]));
      for (const r of after.filter((x) => x.path.startsWith('sub/'))) {
        expect({ ...r, mtime: 0 }).toEqual({ ...old.get(r.path)!, reviewed: REVIEW, mtime: 0 });
      }
      // Nothing left to do now: the new mtimes are on record.
      const third = await runLabelJob(opts(dir, { contentHash: true, outputs: [{ file: out, format }] }));
      expect([third.labeled, third.reused, third.reusedByContent]).toEqual([0, 6, 0]);
    });
  }

  it('without content mode the touched files are labeled again', async () => {
    const dir = await contentFolder();
    const out = path.join(dir, 'labels.jsonl');
    await labelReviewAndTouch(dir, out);
    const again = await runLabelJob(opts(dir));
    expect(again.labeled).toBe(4);
    expect(again.reused).toBe(2);
    expect(again.reusedByContent).toBe(0);
    // Relabeled without hashing: no content hash on the new records, the old ones keep theirs.
    const after = readRecords(out);
    expect(after.filter((r) => r.sha256).map((r) => r.path).sort()).toEqual(['keep0.jpg', 'keep1.jpg']);
  });

  it('a touched file with the same bytes keeps its review when a new model relabels it', async () => {
    const dir = await contentFolder();
    const out = path.join(dir, 'labels.jsonl');
    await labelReviewAndTouch(dir, out);
    writeRecords(out, readRecords(out).map((r) => ({ ...r, model: { ...r.model, hash: '0000000000000000' } })));
    const again = await runLabelJob(opts(dir, { contentHash: true }));
    expect(again.labeled).toBe(6);
    expect(again.reusedByContent).toBe(0);
    const after = new Map(readRecords(out).map((r) => [r.path, r]));
    for (let i = 0; i < 3; i++) expect(after.get(`sub/touched${i}.jpg`)!.reviewed).toEqual(REVIEW);
    expect(after.get('keep0.jpg')!.reviewed).toEqual(REVIEW);
    expect(after.get('changed.tif')!.reviewed).toBeUndefined();
    for (const r of after.values()) expect(r.sha256).toBe(sha(path.join(dir, r.path)));
  });

  it('records without a hash (labeled before content mode) are labeled again when touched', async () => {
    const dir = await contentFolder();
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir));
    expect(readRecords(out).some((r) => r.sha256)).toBe(false);
    touch(path.join(dir, 'sub', 'touched0.jpg'), 120);
    const again = await runLabelJob(opts(dir, { contentHash: true }));
    expect([again.labeled, again.reused, again.reusedByContent]).toEqual([1, 5, 0]);
    // Only what was labeled in content mode has a hash; unchanged files are not read to add one.
    expect(readRecords(out).filter((r) => r.sha256).map((r) => r.path)).toEqual(['sub/touched0.jpg']);
  });

  it('resuming: a review made in the labels file stays on a journaled line of the same bytes under a new mtime', async () => {
    const dir = await contentFolder();
    const out = path.join(dir, 'labels.jsonl');
    await runLabelJob(opts(dir, { contentHash: true }));
    const recs = readRecords(out);
    const x = recs.find((r) => r.path === 'sub/touched0.jpg')!;
    // An interrupted run journaled touched0 under its new mtime (no review yet); then the human reviewed it in the labels file.
    const file = path.join(dir, x.path);
    touch(file, 120);
    mkdirSync(path.dirname(journalPath(out)), { recursive: true });
    writeFileSync(journalPath(out), toJsonLine({ ...x, mtime: Math.floor(statSync(file).mtimeMs) }) + '\n');
    writeRecords(out, recs.map((r) => (r.path === x.path ? { ...r, reviewed: REVIEW } : r)));
    const s = await runLabelJob(opts(dir, { contentHash: true }));
    expect(s.labeled).toBe(0);
    expect(readRecords(out).find((r) => r.path === x.path)!.reviewed).toEqual(REVIEW);
  });

  it('error rows carry the hash of the bytes that could not be decoded, and are reused by content too', async () => {
    const dir = tmpDir('rl-content-err-');
    writeFileSync(path.join(dir, 'broken.jpg'), 'not a jpeg at all');
    writeFileSync(path.join(dir, 'empty.jpg'), '');
    const out = path.join(dir, 'labels.jsonl');
    const first = await runLabelJob(opts(dir, { contentHash: true }));
    expect(first.errors).toBe(2);
    for (const r of readRecords(out)) expect(r.sha256, r.path).toBe(sha(path.join(dir, r.path)));
    touch(path.join(dir, 'broken.jpg'), 120);
    const again = await runLabelJob(opts(dir, { contentHash: true }));
    expect([again.labeled, again.reused, again.reusedByContent, again.errors]).toEqual([0, 2, 1, 2]);
  });
});

describe('content mode: hashing in the calling process', () => {
  it('checks big touched files by content without blocking its event loop (p99 lag < 50 ms), and cancels', async () => {
    const { randomBytes } = await import('node:crypto');
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const dir = tmpDir('rl-content-lag-');
    const model = { name: 'tiny', hash: await hashModelFile(TINY_MODEL) };
    const recs: LabelRecord[] = [];
    // Big enough that hashing one whole file in one go would block for well over 50 ms.
    for (let i = 0; i < 3; i++) {
      const file = path.join(dir, `big${i}.jpg`);
      writeFileSync(file, randomBytes(32 << 20));
      const st = statSync(file);
      recs.push({ path: `big${i}.jpg`, label: 'cat', score: 1, topk: [{ label: 'cat', score: 1 }], model, size: st.size, mtime: Math.floor(st.mtimeMs), sha256: sha(file) });
      touch(file, 120);
    }
    const out = path.join(dir, 'labels.jsonl');
    writeRecords(out, recs);
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const phases = new Set<string>();
    const s = await runLabelJob(opts(dir, { contentHash: true }), { onProgress: (p) => phases.add(p.phase) });
    h.disable();
    expect([s.labeled, s.reused, s.reusedByContent]).toEqual([0, 3, 3]);
    expect(phases.has('hashing')).toBe(true);
    const p99 = h.percentile(99) / 1e6;
    expect(p99, `p99 event-loop delay ${p99.toFixed(1)} ms (max ${(h.max / 1e6).toFixed(1)} ms)`).toBeLessThan(50);
    // Cancelling while hashing.
    for (const r of recs) touch(path.join(dir, r.path), 240);
    const c = new AbortController();
    await expect(
      runLabelJob(opts(dir, { contentHash: true }), {
        signal: c.signal,
        onProgress: (p) => {
          if (p.phase === 'hashing') c.abort();
        },
      }),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('content hashes from the labeling worker', () => {
  /** Talks to the worker bundle directly: init, one batch, its result. */
  async function workerBatch(paths: string[], contentHash: boolean): Promise<BatchResultMessage> {
    const child = fork(workerScript, [], { serialization: 'advanced', env: { ...process.env, ...BUNDLE_ENV }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    try {
      return await new Promise<BatchResultMessage>((resolve, reject) => {
        child.on('exit', (code) => reject(new Error(`worker exited (${code})`)));
        child.on('message', (m: FromWorker<'batch'>) => {
          if (m.type === 'ready') child.send({ type: 'batch', requestId: 1, paths } satisfies ToWorker);
          else if (m.type === 'reply' && m.ok) resolve(m.value);
          else reject(new Error(JSON.stringify(m)));
        });
        child.send({ type: 'init', modelPath: TINY_MODEL, provider: 'cpu', intraOpThreads: 1, maxPixels: 1e8, decodeConcurrency: 2, contentHash } satisfies ToWorker);
      });
    } finally {
      child.kill('SIGKILL');
    }
  }

  it('returns the SHA-256 of every file it read (decoded or not) in content mode, and none otherwise', async () => {
    const dir = tmpDir('rl-worker-hash-');
    const files = {
      inputSized: path.join(dir, 'a32.jpg'), // a plain JPEG of the model's input size: decoded without sharp
      other: path.join(dir, 'b.jpg'),
      broken: path.join(dir, 'broken.jpg'),
      empty: path.join(dir, 'empty.jpg'),
      missing: path.join(dir, 'missing.jpg'),
    };
    await solidImage(files.inputSized, { r: 1, g: 2, b: 3 }, 'jpeg', 32, 32);
    await solidImage(files.other, { r: 100, g: 2, b: 3 });
    writeFileSync(files.broken, 'not an image');
    writeFileSync(files.empty, '');
    const paths = Object.values(files);
    const r = await workerBatch(paths, true);
    expect(r.errors.map((e) => e?.code ?? null)).toEqual([null, null, 'unsupported', 'empty', 'not_found']);
    expect(r.sha256).toEqual([sha(files.inputSized), sha(files.other), sha(files.broken), sha(files.empty), null]);
    const plain = await workerBatch(paths, false);
    expect(plain.sha256).toBeUndefined();
    expect(Array.from(plain.probs)).toEqual(Array.from(r.probs));
  });

  it('the parent-side hash refuses a file that is not as the scan saw it', async () => {
    const dir = tmpDir('rl-hash-');
    const f = path.join(dir, 'x.bin');
    writeFileSync(f, Buffer.alloc(600_000, 7));
    const st = statSync(f);
    const want = sha(f);
    expect(await hashFileContent(f)).toBe(want);
    expect(await hashFileContent(f, { size: st.size, mtimeMs: Math.floor(st.mtimeMs) })).toBe(want);
    expect(await hashFileContent(f, { size: st.size, mtimeMs: Math.floor(st.mtimeMs) - 1 })).toBeUndefined();
    expect(await hashFileContent(f, { size: st.size + 1, mtimeMs: Math.floor(st.mtimeMs) })).toBeUndefined();
    expect(await hashFileContent(path.join(dir, 'missing'))).toBeUndefined();
    const c = new AbortController();
    c.abort();
    await expect(hashFileContent(f, undefined, c.signal)).rejects.toThrow();
  });
});
