/**
 * The labeling run, stage by stage: lock → previous results → scan → plan → (content check) →
 * label (dispatch to worker processes, journal) → write the labels file(s) → summary.
 *
 * Crash safety: the journal (journal.ts) is append-only; a cancelled or killed run leaves it
 * behind and the next run resumes from it. The labels file is only ever replaced whole.
 * What is reused, hashed or labeled again is decided by plan.ts. No vscode import: the
 * extension and the CLI both drive this.
 */
import { realpath, rmdir, stat, unlink } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultBatchSize } from '../runtime/defaultBatchSize';
import { acquireLock, shardLockName } from '../folder/lock';
import { STATE_DIR, toPosixRel } from '../folder/safePath';
import { scanFolder } from '../folder/scan';
import type { ScanList } from '../folder/scanList';
import { type Shard, inShard } from '../batch/shard';
import { LabelPool } from '../batch/labelPool';
import type { ModelSummary } from '../batch/workerPool';
import { breathe } from '../util/breathe';
import { addCounts, emptyCounts } from '../labelsFile/counts';
import { type OutputSpec, defaultOutputs } from '../labelsFile/outputs';
import { assertWritableOutputs, readLabelsFile, readReviewedRecords } from '../labelsFile/read';
import { toJsonLine } from '../labelsFile/records';
import { sameContentEntries } from './contentCheck';
import { CancelledError, asWriteError } from './errors';
import { JournalWriter, RecordStore, journalPath, readJournalLines } from './journal';
import { labelTodo } from './labelStage';
import { ModelStarter, hashModelFile, modelFromRecords } from './model';
import { GivenScorer, type SuspectSummary, addSuspects, anyInClassFolder } from './suspectPass';
import { type LabelPlan, mergePrevious, planRun, reviewsToKeep, settleContentChecks } from './plan';
import type { LabelHooks, LabelJobOptions, LabelProgress, LabelSummary, LabelTiming } from './types';
import { writeOutputs } from './writeOutputs';

/** The parent never loads onnxruntime or sharp (the extension host must not): this mirrors their constant. */
const DEFAULT_MAX_PIXELS = 100_000_000;

export async function runLabelJob(options: LabelJobOptions, hooks: LabelHooks = {}): Promise<LabelSummary> {
  const folder = await realpath(options.folder).catch(() => {
    throw new Error(`folder not found: ${options.folder}`);
  });
  if (!(await stat(folder)).isDirectory()) throw new Error(`${options.folder} is not a folder`);
  const run = new LabelRun(options, hooks, folder);
  const sharded = run.sharded;
  // A shard run takes its own lock, which excludes the folder lock of a full run, a sort or a review write-back.
  const lock = sharded
    ? await acquireLock(folder, `labeling shard ${sharded.index}/${sharded.count}`, shardLockName(sharded.index, sharded.count))
    : await acquireLock(folder, 'labeling');
  const onAbort = () => run.pool.dispose();
  hooks.signal?.addEventListener('abort', onAbort);
  try {
    return await run.run();
  } catch (err) {
    // Cancelling during the scan (AbortError) or the model start (PoolFailedError) is a cancel, not a failure.
    if (hooks.signal?.aborted && !(err instanceof CancelledError)) throw new CancelledError();
    throw asWriteError(err, folder);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    run.pool.dispose();
    await run.journal?.close().catch(() => undefined);
    await lock.release();
    // Leave no empty state folder behind in the user's folder.
    await rmdir(path.join(folder, STATE_DIR)).catch(() => undefined);
    await rmdir(path.dirname(run.journalFile)).catch(() => undefined);
  }
}

class LabelRun {
  private readonly started = performance.now();
  private readonly cpuAtStart = process.cpuUsage();
  readonly sharded: Shard | undefined;
  readonly outputs: OutputSpec[];
  readonly journalFile: string;
  readonly pool: LabelPool;
  journal: JournalWriter | undefined;
  private readonly model: ModelStarter;
  private readonly progress: LabelProgress = { phase: 'starting', total: 0, done: 0, errors: 0, reused: 0, reusedByContent: 0, rate: 0, etaSeconds: undefined };
  private readonly timing: LabelTiming = { scanMs: 0, modelMs: 0, labelMs: 0, writeMs: 0, decodeMs: 0, runMs: 0 };
  private readonly warnings: string[] = [];
  private readonly maxPixels: number;
  private readonly workers: number;

  constructor(private readonly options: LabelJobOptions, private readonly hooks: LabelHooks, private readonly folder: string) {
    this.sharded = options.shard && options.shard.count > 1 ? options.shard : undefined;
    const outputs = options.outputs?.length ? options.outputs : defaultOutputs(folder, options.shard);
    this.outputs = outputs.map((o) => ({ ...o, file: path.resolve(o.file) }));
    this.journalFile = journalPath(this.outputs[0].file);
    this.maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    const cpuCount = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    this.workers = options.workers && options.workers > 0 ? options.workers : Math.min(4, Math.max(1, cpuCount));
    this.pool = new LabelPool({
      script: options.workerScript,
      workers: this.workers,
      modelPath: options.modelPath,
      cpuVariantPath: options.cpuVariantPath,
      provider: options.provider ?? 'auto',
      intraOpThreads: options.intraOpThreads ?? Math.max(1, Math.floor(cpuCount / this.workers)),
      decodeConcurrency: options.decodeConcurrency ?? 4,
      maxPixels: this.maxPixels,
      batchTimeoutMs: options.batchTimeoutMs ?? 120_000,
      env: options.workerEnv,
      log: hooks.log,
      contentHash: options.contentHash === true, // the workers hash what they decode
      batchSize: options.batchSize ?? 0,
      // The GPU path: decode-only workers on every core feed the one session.
      decodeWorkers: options.workers && options.workers > 0 ? options.workers : cpuCount,
    });
    this.model = new ModelStarter(this.pool, () => this.checkCancel());
  }

  private emit(): void {
    this.hooks.onProgress?.({ ...this.progress });
  }

  private checkCancel(): void {
    if (this.hooks.signal?.aborted) throw new CancelledError();
  }

  private phase(phase: LabelProgress['phase']): void {
    this.progress.phase = phase;
    this.emit();
  }

  async run(): Promise<LabelSummary> {
    const { options } = this;
    await assertWritableOutputs(this.outputs, options.force);
    this.emit();
    // A full run or a first run has work for the workers whenever the folder has an image, so
    // they load the model while the scan runs; a rerun only once it knows something changed.
    if (options.full) this.model.startEarly();
    const { previous, reviewedOnly } = await this.readPrevious();
    if (previous.size === 0) this.model.startEarly();

    let t0 = performance.now();
    const entries = await this.scan();
    this.timing.scanMs = performance.now() - t0;
    // The model's hash decides what is unchanged. Where the workers choose the variant, they say which one.
    const modelHash = options.cpuVariantPath ? (await this.model.start()).hash : await hashModelFile(options.modelPath);
    const planInput = { entries, previous, modelHash, maxPixels: this.maxPixels, contentMode: options.contentHash === true };
    const plan = await planRun(planInput, breathe);
    this.progress.reused = plan.reuse.size;
    this.progress.errors += plan.problems.length;
    const problemModelName = plan.problems.length ? (await this.model.start()).name : '';
    const sameContent = await this.checkContent(plan, entries, modelHash);
    const keptReviews = await reviewsToKeep(plan.todo, entries, previous, reviewedOnly, sameContent, breathe);
    previous.clear();
    reviewedOnly.clear();
    const store = new RecordStore(entries.length, plan.reuse);
    for (const ei of plan.problems) {
      const e = entries.get(ei);
      store.kept.set(e.rel, toJsonLine({ path: e.rel, error: e.problem, model: { name: problemModelName, hash: modelHash }, size: e.size, mtime: e.mtimeMs }));
    }

    if (plan.todo.length && !this.model.model) {
      this.progress.total = plan.todo.length;
      this.phase('loading');
      await this.model.start();
    }
    this.timing.modelMs = this.model.startMs;
    const model = this.model.model ?? modelFromRecords(store.kept.values(), modelHash, options.modelPath);
    const batchSize = options.batchSize && options.batchSize > 0 ? options.batchSize : defaultBatchSize(model.provider);

    t0 = performance.now();
    this.progress.total = plan.todo.length;
    this.phase('labeling');
    this.journal = await JournalWriter.open(this.folder, this.journalFile, options.full === true);
    const counts = emptyCounts();
    const newErrors = await labelTodo({
      folder: this.folder,
      entries,
      todo: plan.todo,
      pool: this.pool,
      journal: this.journal,
      store,
      record: {
        model: { name: model.name, hash: modelHash },
        labels: model.labels,
        topK: Math.min(options.topK ?? 5, model.labels.length),
        maxPixels: this.maxPixels,
        keptReviews,
        contentMode: options.contentHash === true,
        givenScorer: new GivenScorer(model.labels),
      },
      batchSize,
      inputValues: model.inputValues ?? 0,
      counts,
      progress: this.progress,
      timing: this.timing,
      emit: () => this.emit(),
      signal: this.hooks.signal,
    });
    if (this.hooks.signal?.aborted) throw new CancelledError();
    this.timing.labelMs = performance.now() - t0;

    const suspects = await this.write(entries, store, model.labels);
    addCounts(counts, plan.counts);
    this.phase('done');
    return { ...this.summary(model, entries, counts, plan.reusedErrors + plan.problems.length + newErrors, batchSize), suspects };
  }

  /** Writes the labels file(s) from the store and the journal, then adds the suspect scores of class-subfolder images. */
  private async write(entries: ScanList, store: RecordStore, labels: readonly string[]): Promise<SuspectSummary | undefined> {
    const t0 = performance.now();
    this.phase('writing');
    await this.journal!.close();
    this.journal = undefined;
    const { options } = this;
    await writeOutputs({ folder: this.folder, outputs: this.outputs, entries, store, journalFile: this.journalFile, force: options.force, sharded: !!this.sharded, warnings: this.warnings, log: this.hooks.log });
    // Suspect scores need thresholds per class over the whole folder: a pass over the written files (a shard
    // sees only part). A folder with no image in a class folder has none to score, and its files are not read back.
    const scored = !this.sharded && anyInClassFolder(entries, labels);
    const suspects = scored ? await addSuspects(this.folder, this.outputs, labels, breathe) : undefined;
    this.timing.writeMs = performance.now() - t0;
    return suspects;
  }

  /** The previous labels file and an interrupted run's journal; for --full, only the human reviews. */
  private async readPrevious(): Promise<{ previous: Map<string, string>; reviewedOnly: Map<string, string> }> {
    const primary = this.outputs[0];
    if (this.options.full) {
      // --full starts over: an interrupted run's journal holds results it must not resume (now or after a cancel).
      await unlink(this.journalFile).catch(() => undefined);
      // Human corrections are not model output: --full relabels everything but keeps them for unchanged files.
      return { previous: new Map(), reviewedOnly: await readReviewedRecords(primary) };
    }
    const fileRecords = await readLabelsFile(primary.file, primary.format);
    const { previous, resumed } = await mergePrevious(fileRecords, await readJournalLines(this.journalFile), breathe);
    if (resumed) this.hooks.log?.(`resuming an interrupted run: ${resumed} result(s) in ${this.journalFile}`);
    return { previous, reviewedOnly: new Map() };
  }

  private async scan(): Promise<ScanList> {
    this.phase('scanning');
    const skipFiles = new Set<string>();
    for (const o of this.outputs) {
      const rel = toPosixRel(this.folder, o.file);
      if (!rel.startsWith('..')) skipFiles.add(rel);
    }
    const { options } = this;
    const all = await scanFolder(this.folder, {
      include: options.include,
      exclude: options.exclude,
      followSymlinks: options.followSymlinks,
      inlineStat: options.inlineStat,
      skipFiles,
      onCount: (found) => {
        this.progress.scanned = found;
        this.emit();
      },
      onWarning: (m) => {
        this.warnings.push(m);
        this.hooks.log?.(m);
      },
      signal: this.hooks.signal,
    });
    const entries = all.filter((e) => inShard(e.rel, options.shard));
    this.checkCancel();
    return entries;
  }

  /** Content mode: same bytes under a new mtime are the same file (plan.toCheck is hashed, then settled). */
  private async checkContent(plan: LabelPlan, entries: ScanList, modelHash: string): Promise<Set<number>> {
    if (!plan.toCheck.size) return new Set();
    this.progress.hashTotal = plan.toCheck.size;
    this.progress.hashed = 0;
    this.phase('hashing');
    let lastEmit = performance.now();
    const onHashed = () => {
      this.progress.hashed!++;
      if (performance.now() - lastEmit > 100) {
        lastEmit = performance.now();
        this.emit();
      }
    };
    const same = await sameContentEntries(this.folder, entries, plan.toCheck, { onHashed, checkCancel: () => this.checkCancel(), signal: this.hooks.signal });
    this.emit();
    await settleContentChecks(plan, { entries, modelHash: modelHash, maxPixels: this.maxPixels }, same, breathe);
    this.progress.reused = plan.reuse.size;
    this.progress.reusedByContent = plan.reusedByContent;
    this.hooks.log?.(`content check: ${same.size} of ${plan.toCheck.size} file(s) with a new mtime have the same bytes`);
    return same;
  }

  private summary(model: ModelSummary, entries: ScanList, counts: ReturnType<typeof emptyCounts>, errors: number, batchSize: number): LabelSummary {
    const seconds = (performance.now() - this.started) / 1000;
    const mainCpu = process.cpuUsage(this.cpuAtStart);
    const { progress, timing } = this;
    return {
      status: 'completed',
      folder: this.folder,
      outputs: this.outputs.map((o) => o.file),
      model,
      files: entries.length,
      labeled: progress.done,
      errors,
      reused: progress.reused,
      reusedByContent: progress.reusedByContent,
      errorCodes: counts.errorCodes,
      classCounts: counts.classCounts,
      seconds,
      imagesPerSecond: progress.done / Math.max(1e-9, seconds),
      labelImagesPerSecond: progress.done / Math.max(1e-9, timing.labelMs / 1000),
      timing,
      cpu: { mainSeconds: (mainCpu.user + mainCpu.system) / 1e6, workerSeconds: this.pool.workerCpuMs() / 1000 },
      workerRestarts: this.pool.restarts,
      warnings: this.warnings,
      batchSize,
      workers: this.pool.workers,
      sessions: this.pool.sessions,
      gpuPath: this.pool.gpuReport(),
    };
  }
}

