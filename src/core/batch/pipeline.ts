/**
 * The labeling run: scan → skip what is unchanged → batches to worker processes (decode +
 * model, several batches in flight so decoding and inference overlap) → records appended
 * to a journal as they complete → final labels file(s) written atomically.
 *
 * Crash safety: the journal (`.rcnn-lens/<out>.partial.jsonl` next to the output) is
 * append-only; a cancelled or killed run leaves it behind and the next run resumes from it.
 * The labels file is only ever replaced whole (temp + rename).
 *
 * Unchanged files are not labeled again: same size and mtime as in the previous record, and
 * the same model. In content mode (`contentHash`) every record also carries the SHA-256 of
 * the file's bytes, and a file whose mtime changed but whose size did not is hashed (by the
 * parent, streamed): same bytes count as unchanged, so a copied, restored or touched folder
 * is not labeled again, and its reviews stay.
 * No vscode import: the extension and the CLI both drive this.
 */
import { defaultBatchSize } from '../runtime/defaultBatchSize';
import { constants, createReadStream } from 'node:fs';
import { mkdir, open, readFile, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { entropy, topK } from '../math/softmax';
import { modelHash } from '../model/modelHash';
import type { ProviderSetting } from '../runtime/providers';
import { forEachLimit, hashFileContent } from './contentHash';
import { readHead, writeFileAtomic } from './fsutil';
import { type FolderLock, acquireLock, shardLockName } from './lock';
import {
  CSV_HEADER,
  type LabelFormat,
  type LabelRecord,
  looksLikeOurs,
  parseJsonLine,
  parseLabelsTextSliced,
  toCsvLine,
  toJsonLine,
} from './records';
import { lastRunOutputs, recordRunOutputs } from './runState';
import { STATE_DIR, entryPath, scanFolder, toPosixRel } from './scan';
import { O_NOFOLLOW, assertSafePath, isWithin } from '../folder/safePath';
import type { ScanList } from './scanList';
import { type Shard, defaultLabelsName, inShard } from './shard';
import { type ModelSummary, type PoolOptions, WorkerPool } from './workerPool';

export interface OutputSpec {
  file: string;
  format: LabelFormat;
}

export interface LabelJobOptions {
  folder: string;
  /** Files to write; default `<folder>/labels.jsonl`. The first one holds the run's state. */
  outputs?: OutputSpec[];
  modelPath: string;
  /** The int8 variant, loaded by workers that end on the CPU (core/model/variants.ts chooseLabelModel). */
  cpuVariantPath?: string;
  provider?: ProviderSetting;
  /** Images per model run; 0/undefined chooses by provider. */
  batchSize?: number;
  /** Worker processes; 0/undefined chooses by core count. */
  workers?: number;
  /** onnxruntime intra-op threads per worker; 0/undefined chooses. */
  intraOpThreads?: number;
  decodeConcurrency?: number;
  include?: readonly string[];
  exclude?: readonly string[];
  followSymlinks?: boolean;
  /** Stat files on the calling thread (ScanOptions.inlineStat): the command-line tool, never the extension host. */
  inlineStat?: boolean;
  shard?: Shard;
  maxPixels?: number;
  topK?: number;
  /** Replace an existing output file that is not ours. */
  force?: boolean;
  /** Ignore previous results and label everything again. */
  full?: boolean;
  /**
   * Content mode: records carry the SHA-256 of each file's bytes, and a rerun reuses a file
   * whose mtime changed but whose size and bytes did not (copied, restored or touched folders).
   */
  contentHash?: boolean;
  /** dist/labelWorker.js */
  workerScript: string;
  workerEnv?: NodeJS.ProcessEnv;
  batchTimeoutMs?: number;
}

export type Phase = 'starting' | 'scanning' | 'hashing' | 'loading' | 'labeling' | 'writing' | 'done';

export interface LabelProgress {
  phase: Phase;
  /** Files to label in this run (excluding reused ones); known after the scan (in content mode, after the content check). */
  total: number;
  /** Files labeled or failed so far in this run. */
  done: number;
  errors: number;
  /** Files whose previous result was reused (unchanged, or resumed from a journal). */
  reused: number;
  /** Of `reused`: files whose mtime changed but whose bytes did not (content mode). */
  reusedByContent: number;
  /** Content mode, phase 'hashing': files whose mtime changed to check by content, and how many are checked. */
  hashTotal?: number;
  hashed?: number;
  /** Images per second over the last few seconds. */
  rate: number;
  etaSeconds: number | undefined;
  /** Images found so far while scanning. */
  scanned?: number;
}

export interface LabelSummary {
  status: 'completed' | 'cancelled';
  folder: string;
  outputs: string[];
  model: ModelSummary;
  /** Every image in the folder (this shard). */
  files: number;
  labeled: number;
  errors: number;
  /** Previous results kept: unchanged files (size and mtime, or content in content mode) and resumed ones. */
  reused: number;
  /** Of `reused`: files whose mtime changed but whose bytes did not (content mode). */
  reusedByContent: number;
  errorCodes: Record<string, number>;
  classCounts: Record<string, number>;
  seconds: number;
  /** Over the whole run, start-up included. */
  imagesPerSecond: number;
  /** Where the time went (ms): scan, model start, labeling (first batch to last), final write; decode/run are summed over workers. */
  timing: { scanMs: number; modelMs: number; labelMs: number; writeMs: number; decodeMs: number; runMs: number };
  /**
   * CPU seconds (user + system, all threads) of this process during the run and of the labeling
   * workers (start-up included): with the wall time, how well the run used the cores.
   */
  cpu: { mainSeconds: number; workerSeconds: number };
  /** Over the labeling phase only (steady state). */
  labelImagesPerSecond: number;
  workerRestarts: number;
  warnings: string[];
  batchSize: number;
  workers: number;
}

export class ForeignOutputError extends Error {
  constructor(readonly file: string) {
    super(`${file} already exists and was not written by RCNN Lens; refusing to overwrite it (choose another output file, or force)`);
    this.name = 'ForeignOutputError';
  }
}

/** The folder (or an output's folder) cannot be written: said plainly, not as a raw EACCES. */
export class FolderNotWritableError extends Error {
  constructor(readonly folder: string, code: string) {
    super(`cannot write in ${folder}: ${code === 'EROFS' ? 'read-only file system' : 'read-only'} (${code})`);
    this.name = 'FolderNotWritableError';
  }
}

const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** A write refused by the file system, as a FolderNotWritableError naming the folder it happened in. */
export function asWriteError(err: unknown, folder: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e || !NOT_WRITABLE.has(e.code ?? '')) return err;
  const where = typeof e.path === 'string' ? path.dirname(e.path) : folder;
  return new FolderNotWritableError(isWithin(folder, where) ? folder : where, e.code!);
}

/**
 * The outputs of the previous run that this run did not rewrite (a `--format jsonl` rerun after
 * a `both` run leaves labels.csv behind): still there, and now out of date. Said, not deleted.
 */
async function staleOutputWarnings(folder: string, outputs: readonly OutputSpec[]): Promise<string[]> {
  const previous = (await lastRunOutputs(folder)) ?? [];
  const now = new Set(outputs.map((o) => path.resolve(o.file)));
  const stale: string[] = [];
  for (const o of previous) {
    if (!now.has(o.file) && (await stat(o.file).then((st) => st.isFile(), () => false))) {
      stale.push(`${o.file} is from an earlier run and now out of date (this run wrote ${[...now].join(', ')}); delete it, or rerun with --format both to keep it current`);
    }
  }
  return stale;
}

/** The parent never loads onnxruntime or sharp (the extension host must not): these mirror their constants. */
const DEFAULT_MAX_PIXELS = 100_000_000;

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export class CancelledError extends Error {
  constructor() {
    super('the labeling run was cancelled');
    this.name = 'CancelledError';
  }
}

export { defaultBatchSize };

/** The most images a message to a labeling worker carries when the model's batch is smaller (see messageSize). */
export const MAX_MESSAGE_IMAGES = 64;
/**
 * A message grows past one model batch only while its files and their decoded input (what the
 * worker holds for it) add up to at most this many bytes.
 */
export const MAX_MESSAGE_BYTES = 2 << 20;

/**
 * How many images the next message to a worker carries: whole model batches, up to
 * MAX_MESSAGE_IMAGES, for small files (each message costs the parent a round trip, a journal
 * write and a wake-up: on 10,000 tiny images, 16-image messages spent 0.4 CPU-s more in the
 * parent than 64-image ones), but one model batch for big files or a big model input (a
 * worker holds a message's files and their decoded input in memory; photo-sized files gain
 * nothing from fewer messages) and near the end (so that no worker idles while another works
 * through a large last message). `fileBytes(k)` is the size of the k-th file not yet sent;
 * `inputBytes` what one decoded image takes (4 × C × H × W).
 */
export function messageSize(batchSize: number, remaining: number, inFlight: number, fileBytes: (k: number) => number, inputBytes = 0): number {
  const one = Math.min(remaining, batchSize);
  if (remaining <= MAX_MESSAGE_IMAGES * inFlight * 2) return one;
  let bytes = one * inputBytes;
  for (let k = 0; k < one; k++) bytes += fileBytes(k);
  let n = one;
  while (n + batchSize <= Math.min(remaining, MAX_MESSAGE_IMAGES)) {
    bytes += batchSize * inputBytes;
    for (let k = n; k < n + batchSize; k++) bytes += fileBytes(k);
    if (bytes > MAX_MESSAGE_BYTES) break;
    n += batchSize;
  }
  return n;
}

/** `<folder>/labels.jsonl`, or `<folder>/labels.shard-K-of-N.jsonl` for a shard (so shard outputs never clash and concatenate). */
export function defaultOutputs(folder: string, shard?: Shard): OutputSpec[] {
  return [{ file: path.join(folder, defaultLabelsName(shard)), format: 'jsonl' }];
}

/** Where the journal of an output lives. */
export function journalPath(output: string): string {
  return path.join(path.dirname(output), STATE_DIR, `${path.basename(output)}.partial.jsonl`);
}

/** Reads an existing labels file of ours into path → JSONL line. */
export async function readLabelsFile(file: string, format: LabelFormat): Promise<LabelRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  if (!looksLikeOurs(text.slice(0, 65536), format)) return [];
  // In slices, yielding between them (CSV too), so a 100k-record file does not block the host.
  return parseLabelsTextSliced(text, format, breathe);
}

/**
 * Only the human-reviewed records of a labels file (as JSON lines, by path): what a --full run keeps.
 * A JSONL file is streamed and only lines that mention a review are parsed, so a 100,000-record
 * file costs neither its size in memory nor 100,000 parses.
 */
async function readReviewedRecords(output: OutputSpec): Promise<Map<string, string>> {
  const kept = new Map<string, string>();
  if (output.format === 'csv') {
    for (const r of await readLabelsFile(output.file, output.format)) if (r.reviewed) kept.set(r.path, toJsonLine(r));
    return kept;
  }
  const head = await readHead(output.file);
  if (head === undefined || !looksLikeOurs(head, output.format)) return kept;
  const lines = createInterface({ input: createReadStream(output.file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    if (++n % 2000 === 0) await breathe();
    if (!line.includes('"reviewed"')) continue;
    const r = parseJsonLine(line);
    if (r?.reviewed) kept.set(r.path, toJsonLine(r));
  }
  return kept;
}

export async function assertWritableOutputs(outputs: readonly OutputSpec[], force = false): Promise<void> {
  if (force) return;
  for (const o of outputs) {
    const head = await readHead(o.file);
    if (head !== undefined && !looksLikeOurs(head, o.format)) throw new ForeignOutputError(o.file);
  }
}

/**
 * Where each file's record is, without holding every record in memory: lines reused from
 * before are kept as strings; lines labeled in this run stay in the journal file and only
 * their byte offset and length are kept (flat memory for big folders).
 */
class RecordStore {
  readonly kept = new Map<string, string>();
  readonly offset: Float64Array;
  readonly length: Uint32Array;
  constructor(size: number) {
    this.offset = new Float64Array(size).fill(-1);
    this.length = new Uint32Array(size);
  }
}

/** Records of the folder's files in scan order, as lines of the given format. */
async function* renderLines(
  order: ScanList,
  store: RecordStore,
  journalFile: string,
  format: LabelFormat,
): AsyncGenerator<string> {
  if (format === 'csv') yield CSV_HEADER + '\n';
  const fh = await open(journalFile, 'r').catch(() => undefined);
  try {
    let chunk = '';
    // Journal lines come back in runs of adjacent bytes (batches complete almost in scan
    // order): read a run at once, up to 1 MiB.
    let i = 0;
    while (i < order.length) {
      const off = store.offset[i];
      if (off < 0) {
        const line = store.kept.get(order.rel(i));
        if (line) chunk += (format === 'csv' ? toCsvLine(JSON.parse(line) as LabelRecord) : line) + '\n';
        i++;
      } else {
        let j = i;
        let end = off;
        while (j < order.length && store.offset[j] === end && end - off < 1 << 20) {
          end += store.length[j];
          j++;
        }
        const buf = Buffer.alloc(end - off);
        await fh!.read(buf, 0, buf.length, off);
        let pos = 0;
        for (let k = i; k < j; k++) {
          const line = buf.toString('utf8', pos, pos + store.length[k] - 1); // without its newline
          pos += store.length[k];
          chunk += (format === 'csv' ? toCsvLine(JSON.parse(line) as LabelRecord) : line) + '\n';
        }
        i = j;
      }
      if (chunk.length > 256 * 1024) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  } finally {
    await fh?.close();
  }
}

/** The same identity LoadedModel gives a model: the first 16 hex digits of its SHA-256. */
export async function hashModelFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ModelFileError(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? `model file not found: ${file}` : `cannot read model file ${file}: ${(err as Error).message}`,
    );
  }
  return modelHash(bytes);
}

/** When nothing needed labeling, the model was never loaded: describe it from the reused records. */
async function modelFromRecords(records: Map<string, string>, hash: string, modelPath: string): Promise<ModelSummary> {
  const labels = new Set<string>();
  let name = path.basename(modelPath, '.onnx');
  for (const line of records.values()) {
    const r = JSON.parse(line) as LabelRecord;
    name = r.model.name;
    for (const t of r.topk ?? []) labels.add(t.label);
  }
  return { name, hash, labels: [...labels], provider: 'none', loadMs: 0 };
}

export async function runLabelJob(
  options: LabelJobOptions,
  hooks: { onProgress?: (p: LabelProgress) => void; signal?: AbortSignal; log?: (line: string) => void } = {},
): Promise<LabelSummary> {
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const { signal, log } = hooks;
  const folder = await realpath(options.folder).catch(() => {
    throw new Error(`folder not found: ${options.folder}`);
  });
  if (!(await stat(folder)).isDirectory()) throw new Error(`${options.folder} is not a folder`);
  const outputs = (options.outputs?.length ? options.outputs : defaultOutputs(folder, options.shard)).map((o) => ({ ...o, file: path.resolve(o.file) }));
  const primary = outputs[0];
  const warnings: string[] = [];
  const progress: LabelProgress = { phase: 'starting', total: 0, done: 0, errors: 0, reused: 0, reusedByContent: 0, rate: 0, etaSeconds: undefined };
  const contentMode = options.contentHash === true;
  const emit = () => hooks.onProgress?.({ ...progress });
  const checkCancel = () => {
    if (signal?.aborted) throw new CancelledError();
  };

  const sharded = options.shard && options.shard.count > 1 ? options.shard : undefined;
  // A shard run takes its own lock, which excludes the folder lock of a full run, a sort or a review write-back.
  const lock: FolderLock = sharded
    ? await acquireLock(folder, `labeling shard ${sharded.index}/${sharded.count}`, shardLockName(sharded.index, sharded.count))
    : await acquireLock(folder, 'labeling');
  let pool: WorkerPool | undefined;
  let journal: Awaited<ReturnType<typeof open>> | undefined;
  const onAbort = () => pool?.dispose();
  signal?.addEventListener('abort', onAbort);
  try {
    return await runLocked();
  } catch (err) {
    // Cancelling during the scan (AbortError) or the model start (PoolFailedError) is a cancel, not a failure.
    if (signal?.aborted && !(err instanceof CancelledError)) throw new CancelledError();
    throw asWriteError(err, folder);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    pool?.dispose();
    await journal?.close().catch(() => undefined);
    await lock.release();
    // Leave no empty state folder behind in the user's folder.
    await rmdir(path.join(folder, STATE_DIR)).catch(() => undefined);
    await rmdir(path.dirname(journalPath(primary.file))).catch(() => undefined);
  }

  async function runLocked(): Promise<LabelSummary> {
    await assertWritableOutputs(outputs, options.force);
    emit();

    const timing = { scanMs: 0, modelMs: 0, labelMs: 0, writeMs: 0, decodeMs: 0, runMs: 0 };
    const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    const cpuCount = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    const workers = options.workers && options.workers > 0 ? options.workers : Math.min(4, Math.max(1, cpuCount));
    // `contentHash` asks the workers to hash what they decode (InitMessage.contentHash).
    const poolOptions: PoolOptions = {
      script: options.workerScript,
      workers,
      modelPath: options.modelPath,
      cpuVariantPath: options.cpuVariantPath,
      provider: options.provider ?? 'auto',
      intraOpThreads: options.intraOpThreads ?? Math.max(1, Math.floor(cpuCount / workers)),
      decodeConcurrency: options.decodeConcurrency ?? 4,
      maxPixels,
      batchTimeoutMs: options.batchTimeoutMs ?? 120_000,
      env: options.workerEnv,
      log,
      contentHash: contentMode,
      batchSize: options.batchSize ?? 0,
    };
    pool = new WorkerPool(poolOptions);
    const startedPool = pool;
    let model: ModelSummary | undefined;
    let starting: Promise<ModelSummary> | undefined;
    const startModel = async (): Promise<ModelSummary> => {
      starting ??= (async () => {
        const t = performance.now();
        const m = await startedPool.start();
        timing.modelMs = performance.now() - t;
        return m;
      })();
      model = await starting;
      checkCancel();
      return model;
    };
    // A full run or a first run has work for the workers whenever the folder has an image, so
    // they load the model while the scan runs (10,000 files, 2 busy cores: 8.07 -> 7.92 s; more with idle cores).
    // A full run starts them first thing, before it reads its previous reviews (~70 ms for 10,000
    // records); a first run once it has found no previous results (below); a rerun only once it
    // knows something changed.
    if (options.full) startModel().catch(() => undefined);

    // Previous results: the labels file, then the journal of an interrupted run on top.
    const previous = new Map<string, string>();
    const journalFile = journalPath(primary.file);
    // --full starts over: an interrupted run's journal holds results it must not resume (now or after a cancel).
    if (options.full) await unlink(journalFile).catch(() => undefined);
    // Human corrections are not model output: --full relabels everything but keeps them for unchanged files.
    const reviewedOnly = options.full ? await readReviewedRecords(primary) : new Map<string, string>();
    if (!options.full) {
      let m = 0;
      // Reviews are only ever written to the labels file, so for an unchanged image its
      // `reviewed` (or its absence) is newer than any journal line's.
      const fileReviews = new Map<string, { size?: number; mtime?: number; sha256?: string; reviewed: LabelRecord['reviewed'] }>();
      for (const r of await readLabelsFile(primary.file, primary.format)) {
        if (++m % 2000 === 0) await breathe();
        previous.set(r.path, toJsonLine(r));
        fileReviews.set(r.path, { size: r.size, mtime: r.mtime, sha256: r.sha256, reviewed: r.reviewed });
      }
      try {
        const text = await readFile(journalFile, 'utf8');
        let resumed = 0;
        let m = 0;
        for (const line of text.split('\n')) {
          if (++m % 2000 === 0) await breathe();
          const r = line ? parseJsonLine(line) : undefined; // a torn last line is skipped
          if (r) {
            const f = fileReviews.get(r.path);
            const sameFile = f && f.size === r.size && (f.mtime === r.mtime || (!!f.sha256 && f.sha256 === r.sha256));
            if (f && sameFile && f.reviewed?.label !== r.reviewed?.label) {
              if (f.reviewed) r.reviewed = f.reviewed;
              else delete r.reviewed;
              previous.set(r.path, toJsonLine(r));
            } else previous.set(r.path, line);
            resumed++;
          }
        }
        if (resumed) log?.(`resuming an interrupted run: ${resumed} result(s) in ${journalFile}`);
      } catch {
        // no journal: nothing to resume
      }
    }

    if (previous.size === 0) startModel().catch(() => undefined);

    // Scan.
    let t0 = performance.now();
    progress.phase = 'scanning';
    emit();
    const skipFiles = new Set<string>();
    for (const o of outputs) {
      const rel = toPosixRel(folder, o.file);
      if (!rel.startsWith('..')) skipFiles.add(rel);
    }
    const entries = (
      await scanFolder(folder, {
        include: options.include,
        exclude: options.exclude,
        followSymlinks: options.followSymlinks,
        inlineStat: options.inlineStat,
        skipFiles,
        onCount: (found) => {
          progress.scanned = found;
          emit();
        },
        onWarning: (m) => {
          warnings.push(m);
          log?.(m);
        },
        signal,
      })
    ).filter((e) => inShard(e.rel, options.shard));
    checkCancel();

    timing.scanMs = performance.now() - t0;
    // Model: its hash decides what is unchanged. Where the workers choose the variant, they say which one.
    const modelHash = options.cpuVariantPath ? (await startModel()).hash : await hashModelFile(options.modelPath);
    // Decide what to (re)label.
    const store = new RecordStore(entries.length);
    const records = store.kept;
    const todo: number[] = [];
    const retryCodes = new Set(['unreadable', 'not_found', 'crash', 'timeout']);
    // too_large depends on the pixel limit: its rows say which limit they failed, and are retried under another.
    const limitNote = ` (limit ${maxPixels} pixels)`;
    const stale = (err: LabelRecord['error']) => !!err && (retryCodes.has(err.code) || (err.code === 'too_large' && !err.message.endsWith(limitNote)));
    let errorsTotal = 0;
    let n = 0;
    // Content mode: files whose mtime changed but whose size did not, with a hash on record (their previous record).
    const toCheck = new Map<number, LabelRecord>();
    for (let ei = 0; ei < entries.length; ei++) {
      const e = entries.get(ei);
      if (++n % 2000 === 0) await breathe();
      const prevLine = previous.get(e.rel);
      const prev = prevLine ? parseJsonLine(prevLine) : undefined;
      const unchanged = prev && prev.size === e.size && prev.mtime === e.mtimeMs && !e.problem;
      if (unchanged && prev.model.hash === modelHash && !stale(prev.error)) {
        records.set(e.rel, prevLine!);
        progress.reused++;
        if (prev.error) errorsTotal++;
        continue;
      }
      if (e.problem) {
        const modelRef = { name: (await startModel()).name, hash: modelHash };
        records.set(e.rel, toJsonLine({ path: e.rel, error: e.problem, model: modelRef, size: e.size, mtime: e.mtimeMs }));
        progress.errors++;
        errorsTotal++;
        continue;
      }
      // (Checked even when the model changed: same bytes keep their review through the relabeling.)
      if (contentMode && prev?.sha256 && prev.size === e.size && prev.mtime !== e.mtimeMs) toCheck.set(ei, prev);
      else todo.push(ei);
    }

    // Same bytes under a new mtime are the same file: hash those (streamed, a few at a time).
    const sameContent = new Set<number>();
    if (toCheck.size) {
      progress.phase = 'hashing';
      progress.hashTotal = toCheck.size;
      progress.hashed = 0;
      emit();
      let lastEmit = performance.now();
      await forEachLimit([...toCheck.keys()], 4, async (ei) => {
        checkCancel();
        const e = entries.get(ei);
        const want = toCheck.get(ei)!.sha256;
        const got = await hashFileContent(entryPath(folder, e), { size: e.size, mtimeMs: e.mtimeMs }, signal);
        if (got !== undefined && got === want) sameContent.add(ei);
        progress.hashed!++;
        if (performance.now() - lastEmit > 100) {
          lastEmit = performance.now();
          emit();
        }
      });
      checkCancel();
      emit();
      n = 0;
      for (const [ei, prev] of toCheck) {
        const e = entries.get(ei);
        if (++n % 2000 === 0) await breathe();
        if (sameContent.has(ei) && prev.model.hash === modelHash && !stale(prev.error)) {
          // The previous result (and review) as it was, under the file's new mtime.
          records.set(e.rel, toJsonLine({ ...prev, mtime: e.mtimeMs }));
          progress.reused++;
          progress.reusedByContent++;
          if (prev.error) errorsTotal++;
        } else todo.push(ei);
      }
      todo.sort((a, b) => a - b); // scan order, as without content mode
      log?.(`content check: ${sameContent.size} of ${toCheck.size} file(s) with a new mtime have the same bytes`);
    }

    // Human corrections survive relabeling as long as the file itself did not change.
    const keptReviews = new Map<string, LabelRecord['reviewed']>();
    n = 0;
    for (const ei of todo) {
      const e = entries.get(ei);
      if (++n % 2000 === 0) await breathe();
      const prev = previous.get(e.rel) ?? reviewedOnly.get(e.rel);
      const r = prev ? parseJsonLine(prev) : undefined;
      if (r?.reviewed && r.size === e.size && (r.mtime === e.mtimeMs || sameContent.has(ei))) keptReviews.set(e.rel, r.reviewed);
    }
    previous.clear();
    reviewedOnly.clear();

    if (todo.length && !model) {
      progress.phase = 'loading';
      progress.total = todo.length;
      emit();
      await startModel();
    }
    const summaryModel: ModelSummary = model ?? (await modelFromRecords(records, modelHash, options.modelPath));
    const modelRef = { name: summaryModel.name, hash: modelHash };
    const labels = summaryModel.labels;
    const K = labels.length;
    const batchSize = options.batchSize && options.batchSize > 0 ? options.batchSize : defaultBatchSize(summaryModel.provider);
    const k = Math.min(options.topK ?? 5, K);

    t0 = performance.now();
    progress.phase = 'labeling';
    progress.total = todo.length;
    emit();

    await mkdir(path.dirname(journalFile), { recursive: true });
    if (isWithin(folder, journalFile)) await assertSafePath(folder, journalFile, 'run journal');
    journal = await open(journalFile, (options.full ? constants.O_TRUNC : constants.O_APPEND) | constants.O_CREAT | constants.O_WRONLY | O_NOFOLLOW);
    const journalHandle = journal;
    // Journal writes are serialised so each line's offset is known.
    let journalEnd = (await journal.stat()).size;
    if (journalEnd > 0) {
      // A killed run can leave a torn last line: end it, or the first new record would be glued onto it.
      const last = Buffer.alloc(1);
      const tail = await open(journalFile, 'r');
      try {
        await tail.read(last, 0, 1, journalEnd - 1);
      } finally {
        await tail.close();
      }
      if (last[0] !== 0x0a) {
        await journal.write('\n');
        journalEnd++;
      }
    }
    let journalChain: Promise<unknown> = Promise.resolve();
    const classCounts: Record<string, number> = {};
    const errorCodes: Record<string, number> = {};

    // Rate over a sliding window of completions.
    const window: Array<{ t: number; n: number }> = [{ t: performance.now(), n: 0 }];
    const updateRate = () => {
      const now = performance.now();
      window.push({ t: now, n: progress.done });
      while (window.length > 2 && now - window[0].t > 5000) window.shift();
      const first = window[0];
      const dt = (now - first.t) / 1000;
      progress.rate = dt > 0 ? (progress.done - first.n) / dt : 0;
      const left = progress.total - progress.done;
      progress.etaSeconds = progress.rate > 0 ? left / progress.rate : undefined;
    };

    const handle = async (batchIdx: number[]) => {
      const batch = batchIdx.map((ei) => entries.get(ei));
      const out = await pool!.process(batch.map((e) => entryPath(folder, e)), batchSize);
      timing.decodeMs += out.decodeMs;
      timing.runMs += out.runMs;
      // content mode: the workers hash the bytes they decoded (null where a file could not be read)
      const hashes = contentMode ? out.sha256 : undefined;
      let lines = '';
      batch.forEach((e, i) => {
        const err = out.errors[i];
        let rec: LabelRecord;
        if (err) {
          const message = err.code === 'too_large' && !err.message.endsWith(limitNote) ? err.message + limitNote : err.message;
          rec = { path: e.rel, error: { code: err.code, message }, model: modelRef, size: e.size, mtime: e.mtimeMs };
          progress.errors++;
          errorsTotal++;
        } else {
          const probs = out.probs.subarray(i * K, (i + 1) * K);
          const top = topK(probs, labels, k);
          rec = {
            path: e.rel,
            label: top[0].label,
            score: top[0].score,
            topk: top.map((t) => ({ label: t.label, score: t.score })),
            entropy: entropy(probs),
            margin: top[0].score - (top[1]?.score ?? 0),
            model: modelRef,
            size: e.size,
            mtime: e.mtimeMs,
          };
          const reviewed = keptReviews.get(e.rel);
          if (reviewed) rec.reviewed = reviewed;
        }
        const sha256 = hashes?.[i];
        if (sha256) rec.sha256 = sha256;
        if (rec.error) errorCodes[rec.error.code] = (errorCodes[rec.error.code] ?? 0) + 1;
        else {
          const l = rec.reviewed?.label ?? rec.label!;
          classCounts[l] = (classCounts[l] ?? 0) + 1;
        }
        const line = toJsonLine(rec) + '\n';
        const bytes = Buffer.byteLength(line);
        store.length[batchIdx[i]] = bytes;
        lines += line;
      });
      const write = journalChain.then(async () => {
        // Byte offsets: lines are laid out in order from the current end of the journal.
        let pos = journalEnd;
        for (const ei of batchIdx) {
          store.offset[ei] = pos;
          pos += store.length[ei];
        }
        await journalHandle.write(lines);
        journalEnd = pos;
      });
      journalChain = write.catch(() => undefined);
      await write;
      progress.done += batch.length;
      updateRate();
      emit();
    };

    // Keep every worker busy with two batches (one decoding while the other runs the model).
    const maxInFlight = pool.size * 2;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for (let i = 0, size = 0; i < todo.length && !failure; i += size) {
      if (signal?.aborted) break;
      size = messageSize(batchSize, todo.length - i, maxInFlight, (k) => entries.size(todo[i + k]), 4 * (summaryModel.inputValues ?? 0));
      const p = handle(todo.slice(i, i + size)).catch((err) => {
        failure ??= err;
      });
      inFlight.add(p);
      p.finally(() => inFlight.delete(p));
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (signal?.aborted) throw new CancelledError();
    if (failure) throw failure;

    timing.labelMs = performance.now() - t0;
    t0 = performance.now();
    progress.phase = 'writing';
    emit();
    await journalChain;
    await journal.close();
    journal = undefined;
    // Checked again at the end: a long run gives the user time to put a file of their own there.
    // (The journal stays, so after moving that file away the next run only rewrites the output.)
    await assertWritableOutputs(outputs, options.force);
    for (const o of outputs) {
      await mkdir(path.dirname(o.file), { recursive: true });
      // An output inside the folder (the usual case) must really be there; one elsewhere is the user's --out.
      if (isWithin(folder, o.file)) await assertSafePath(folder, o.file, 'labels file');
      await writeFileAtomic(o.file, renderLines(entries, store, journalFile, o.format));
    }
    await unlink(journalFile).catch(() => undefined);
    // Sort, undo and review follow the outputs of the last full run, whatever the settings are now.
    if (!sharded) {
      warnings.push(...(await staleOutputWarnings(folder, outputs)));
      await recordRunOutputs(folder, outputs).catch((err: Error) => log?.(`could not record the run's outputs: ${err.message}`));
    }

    // Counts of the reused records without parsing them: the fields are at known places in our lines.
    n = 0;
    for (const line of records.values()) {
      if (++n % 5000 === 0) await breathe();
      const err = /"error":\{"code":("(?:[^"\\]|\\.)*")/.exec(line);
      if (err) {
        const code = JSON.parse(err[1]) as string;
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        continue;
      }
      const rev = /"reviewed":\{"label":("(?:[^"\\]|\\.)*")/.exec(line);
      const lab = rev ?? /"label":("(?:[^"\\]|\\.)*")/.exec(line);
      if (lab) {
        const l = JSON.parse(lab[1]) as string;
        classCounts[l] = (classCounts[l] ?? 0) + 1;
      }
    }
    timing.writeMs = performance.now() - t0;
    progress.phase = 'done';
    emit();
    const seconds = (performance.now() - started) / 1000;
    const mainCpu = process.cpuUsage(cpuAtStart);
    return {
      status: 'completed',
      folder,
      outputs: outputs.map((o) => o.file),
      model: summaryModel,
      files: entries.length,
      labeled: progress.done,
      errors: errorsTotal,
      reused: progress.reused,
      reusedByContent: progress.reusedByContent,
      errorCodes,
      classCounts,
      seconds,
      imagesPerSecond: progress.done / Math.max(1e-9, seconds),
      labelImagesPerSecond: progress.done / Math.max(1e-9, timing.labelMs / 1000),
      timing,
      cpu: { mainSeconds: (mainCpu.user + mainCpu.system) / 1e6, workerSeconds: pool.workerCpuMs() / 1000 },
      workerRestarts: pool.restarts,
      warnings,
      batchSize,
      workers,
    };
  }
}

/** Lets the event loop run (the extension host must stay responsive during long loops). */
export function breathe(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
