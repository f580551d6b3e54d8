/**
 * Parent side of the labeling workers: N child processes, each holding the model and
 * decoding + classifying whole batches. `process(paths)` always resolves with one outcome
 * per path: a worker crash (native decoder fault, OOM kill) fails only its in-flight
 * batches, whose files are then retried one per request in a fresh worker, so the file
 * that crashes it again is the only one recorded as `crash`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { ProviderSetting } from '../runtime/providers';
import { workerProcessEnv } from '../runtime/workerProcessEnv';
import { type Reply, parseReply } from '../../shared/messaging';
import { PoolFailedError } from './poolFailedError';
import type { BatchResultMessage, DecodeSpec, FromWorker, InferResultMessage, InitMessage, ItemError, ReadyMessage, ToWorker } from './workerProtocol';

export interface PoolOptions {
  script: string;
  workers: number;
  modelPath: string;
  provider: ProviderSetting;
  cpuVariantPath?: string;
  intraOpThreads: number;
  decodeConcurrency: number;
  maxPixels: number;
  /** A batch taking longer than this is treated as a hung decoder: the worker is killed. */
  batchTimeoutMs?: number;
  /** A worker that has not loaded the model after this long is killed (default: batchTimeoutMs). */
  loadTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Content mode: the workers hash what they decode (InitMessage.contentHash; BatchOutcome.sha256). */
  contentHash?: boolean;
  /** The labeling batch (0: the provider's default); `auto` times providers at it. */
  batchSize?: number;
  /** Decode-only workers (the GPU path): no model, each batch answered with its tensor (BatchOutcome.tensor). */
  decodeSpec?: DecodeSpec;
}

export type ModelSummary = ReadyMessage['model'];

export interface BatchOutcome {
  probs: Float32Array;
  errors: Array<ItemError | null>;
  /** Content mode: per path, the SHA-256 of its bytes, null where unknown (BatchResultMessage.sha256). */
  sha256?: Array<string | null>;
  decodeMs: number;
  runMs: number;
  /** Decode-only workers: the decoded rows (C×H×W each, failed rows zero). */
  tensor?: Float32Array;
}

interface InFlight {
  resolve: (r: BatchResultMessage | InferResultMessage) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

class Slot {
  constructor(readonly index: number) {}
  child: ChildProcess | undefined;
  ready: Promise<ModelSummary> | undefined;
  readonly inflight = new Map<number, InFlight>();
  /** Batches picked for this worker that wait for it to start (not yet in `inflight`). */
  waiting = 0;
  /**
   * Set when this worker could not load the model (or start) while the pool went on: it gets no
   * more batches, and those that waited for it go to the others.
   */
  dead = false;
  crashes = 0;
  lastExit = '';
}

let nextBatchId = 1;

/** Node flags of a labeling worker (see `ensure`). */
const WORKER_NODE_FLAGS = ['--max-semi-space-size=2'];

export class WorkerPool {
  private readonly slots: Slot[];
  private disposed = false;
  model: ModelSummary | undefined;
  restarts = 0;
  private rr = 0;
  /** Slots that take batches: all of them, or only the first after startFirst(). */
  private active: number;
  /** The loaded model's input, as its first worker reported it (for decode-only workers). */
  decodeSpec: DecodeSpec | undefined;
  /** Workers that loaded the model (each one onnxruntime session), replaced ones included. */
  sessionsLoaded = 0;
  /** The latest CPU time each worker process reported, replaced workers included. */
  private readonly cpuMsByChild = new Map<ChildProcess, number>();

  constructor(private readonly options: PoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.workers) }, (_, i) => new Slot(i));
    this.active = this.slots.length;
  }

  get size(): number {
    return this.active;
  }

  /** Messages the labeling stage keeps under way: two per worker, one decoding while the other runs the model. */
  get messagesInFlight(): number {
    return this.active * 2;
  }

  pids(): number[] {
    return [...this.slots, this.isolationSlot].map((s) => s.child?.pid).filter((p): p is number => p !== undefined);
  }

  /**
   * Starts every worker and resolves as soon as one has loaded the model, so labeling starts
   * without waiting for the slowest start-up (batches picked for a worker still starting wait
   * for it). A worker that then fails to load is left out and the run goes on with the others
   * (logged); rejects when none can load the model, with the first worker's error.
   */
  async start(): Promise<ModelSummary> {
    this.active = this.slots.length;
    return this.startSlots(this.slots);
  }

  /**
   * Starts only the first worker (the others stay idle until start()): when the provider it
   * lands on is a GPU, that one worker is the run's only session (docs/gpu-labeling.md).
   */
  async startFirst(): Promise<ModelSummary> {
    this.active = 1;
    return this.startSlots(this.slots.slice(0, 1));
  }

  private async startSlots(slots: Slot[]): Promise<ModelSummary> {
    const starts = slots.map((s) => this.ensure(s));
    return await new Promise<ModelSummary>((resolve, reject) => {
      let failed = 0;
      let firstError: unknown;
      starts.forEach((p, i) =>
        p.then(
          (m) => {
            this.model ??= m;
            resolve(this.model);
          },
          (err: Error) => {
            if (failed === 0) firstError = err;
            if (++failed === starts.length) reject(firstError);
            else if (!this.disposed) this.options.log?.(`labeling worker ${i + 1} could not start (${err.message}); going on without it`);
          },
        ),
      );
    });
  }

  private ensure(slot: Slot): Promise<ModelSummary> {
    if (slot.child && slot.child.connected && slot.ready) return slot.ready;
    if (this.disposed) return Promise.reject(new PoolFailedError('the labeling workers were stopped'));
    const child = fork(this.options.script, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // glibc gives each libvips/onnxruntime thread its own malloc arena, and freed decode buffers stay
      // spread over them: two arenas keep a worker's RSS near what it really uses. (Huge pages: workerProcessEnv.ts.)
      env: workerProcessEnv({ MALLOC_ARENA_MAX: '2', ...process.env }, this.options.env),
      // A worker's garbage is short-lived batch buffers: V8's young generation, left to grow to its default
      // 16 MB semi-spaces, only added RSS (WORKER_NODE_FLAGS); the parent's own flags (e.g. an inspector's) stay out.
      execArgv: WORKER_NODE_FLAGS,
    });
    slot.child = child;
    // A worker stuck loading the model (a hung GPU driver, a stalled network file system) is stopped.
    const loadTimeout = this.options.loadTimeoutMs ?? this.options.batchTimeoutMs;
    const loadTimer = loadTimeout
      ? setTimeout(() => {
          this.options.log?.(`labeling worker ${child.pid} did not load the model in ${loadTimeout} ms; stopping it`);
          this.timedOut.set(child, loadTimeout);
          child.kill('SIGKILL');
        }, loadTimeout)
      : undefined;
    let stderrTail = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderrTail = (stderrTail + c.toString()).slice(-2000);
    });
    slot.ready = new Promise<ModelSummary>((resolve, reject) => {
      child.on('message', (msg: FromWorker<'batch' | 'infer'>) => {
        if (msg.type === 'ready' && msg.cpuMs !== undefined) this.cpuMsByChild.set(child, msg.cpuMs);
        if (msg.type === 'ready') {
          clearTimeout(loadTimer);
          this.decodeSpec ??= msg.decodeSpec;
          if (!this.options.decodeSpec) this.sessionsLoaded++;
          // One run, one model: a worker that loaded another variant (or a replaced file) would mix them.
          if (this.model && msg.model.hash !== this.model.hash) {
            reject(new PoolFailedError(`it loaded model ${msg.model.hash}, not the run's ${this.model.hash}`));
            child.kill('SIGKILL');
          } else resolve(msg.model);
        } else if (msg.type === 'initError') {
          clearTimeout(loadTimer);
          reject(new PoolFailedError(msg.error.message, msg.error.code));
          // Without a model it is of no use; its exit does not change the reason given above.
          child.kill('SIGKILL');
        }
        else if (msg.type === 'reply') this.settleBatch(slot, child, msg);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(loadTimer);
        if (slot.child === child) {
          slot.child = undefined;
          slot.ready = undefined;
        }
        const timedOutAfter = this.timedOut.get(child);
        const how = timedOutAfter !== undefined ? `stopped after ${timedOutAfter} ms without an answer` : signal ? `signal ${signal}` : `exit code ${code}`;
        slot.lastExit = how;
        const tail = stderrTail.trim().split('\n').slice(-1)[0] ?? '';
        reject(new PoolFailedError(`labeling worker stopped before the model loaded (${how})${tail ? `: ${tail}` : ''}`));
        if (slot.inflight.size && !this.disposed) {
          this.options.log?.(`labeling worker ${child.pid} stopped (${how}) with ${slot.inflight.size} batch(es) in flight; retrying their files one by one`);
        }
        for (const [id, f] of slot.inflight) {
          slot.inflight.delete(id);
          if (f.timer) clearTimeout(f.timer);
          f.reject(Object.assign(new Error(`worker crashed (${how})`), { crashed: true, how, timedOut: timedOutAfter !== undefined }));
        }
      });
      child.on('error', (err) => this.options.log?.(`labeling worker error: ${err.message}`));
    });
    // (Also avoids an unhandled rejection when nobody awaits this slot's start.)
    slot.ready.catch(() => {
      if (!this.disposed) slot.dead = true;
    });
    const init: InitMessage = {
      type: 'init',
      modelPath: this.options.modelPath,
      provider: this.options.provider,
      cpuVariantPath: this.options.cpuVariantPath,
      intraOpThreads: this.options.intraOpThreads,
      maxPixels: this.options.maxPixels,
      decodeConcurrency: this.options.decodeConcurrency,
      contentHash: this.options.contentHash,
      batchSize: this.options.batchSize,
      slot: slot.index,
      decodeSpec: this.options.decodeSpec,
    };
    child.send(init);
    return slot.ready;
  }

  /** A worker's answer to one of its batches. */
  private settleBatch(slot: Slot, child: ChildProcess, raw: Reply<BatchResultMessage | InferResultMessage>): void {
    // The envelope is checked; the value is what our own worker bundle sends for this request.
    const reply = parseReply(raw) as Reply<BatchResultMessage | InferResultMessage> | undefined;
    if (reply?.ok && reply.value.cpuMs !== undefined) this.cpuMsByChild.set(child, reply.value.cpuMs);
    const f = reply && slot.inflight.get(reply.requestId);
    if (!reply || !f) return;
    slot.inflight.delete(reply.requestId);
    if (f.timer) clearTimeout(f.timer);
    if (reply.ok) f.resolve(reply.value);
    else f.reject(new PoolFailedError(reply.error.message, reply.error.code));
  }

  /** The live slot with the fewest batches in flight or waiting for it (any slot when none is live). */
  private pick(): Slot {
    const slots = this.slots.slice(0, this.active);
    const live = slots.filter((s) => !s.dead);
    const candidates = live.length ? live : slots;
    const load = (s: Slot) => s.inflight.size + s.waiting;
    let best = candidates[this.rr++ % candidates.length];
    for (const s of candidates) if (load(s) < load(best)) best = s;
    return best;
  }

  private sendBatch(paths: string[], slot = this.pick(), runBatch?: number): Promise<BatchResultMessage> {
    return this.sendRequest<BatchResultMessage>((requestId) => ({ type: 'batch', requestId, paths, runBatch }), slot);
  }

  /** Sends one request to `slot` (to another live worker if that one cannot start) and awaits its answer. */
  private async sendRequest<T extends BatchResultMessage | InferResultMessage>(build: (requestId: number) => ToWorker, slot: Slot): Promise<T> {
    slot.waiting++;
    try {
      await this.ensure(slot);
    } catch (err) {
      // This worker could not start but others run: the request goes to one of them.
      if (slot.dead && slot !== this.isolationSlot && this.slots.some((s) => !s.dead)) return this.sendRequest<T>(build, this.pick());
      throw err;
    } finally {
      slot.waiting--;
    }
    const child = slot.child!;
    const id = nextBatchId++;
    return new Promise<T>((resolve, reject) => {
      // The worker answers a request with the result of its type (LabelWorkerResponses).
      const f: InFlight = { resolve: (r) => resolve(r as T), reject };
      const timeout = this.options.batchTimeoutMs;
      if (timeout) {
        f.timer = setTimeout(() => {
          this.options.log?.(`labeling worker ${child.pid} did not finish a batch in ${timeout} ms; restarting it`);
          this.timedOut.set(child, timeout);
          child.kill('SIGKILL');
        }, timeout);
      }
      slot.inflight.set(id, f);
      child.send(build(id), (err) => {
        if (err && slot.inflight.delete(id)) {
          if (f.timer) clearTimeout(f.timer);
          reject(Object.assign(new Error(`could not reach the worker: ${err.message}`), { crashed: true, how: 'disconnected' }));
        }
      });
    });
  }

  /**
   * Decodes and classifies `paths`, the model running on at most `runBatch` of them at a time;
   * always one outcome per path (crashes become error rows).
   */
  async process(paths: string[], runBatch?: number): Promise<BatchOutcome> {
    try {
      const r = await this.sendBatch(paths, undefined, runBatch);
      return { probs: r.probs, errors: r.errors, sha256: r.sha256, decodeMs: r.decodeMs, runMs: r.runMs, tensor: r.tensor };
    } catch (err) {
      const e = err as Error & { crashed?: boolean; how?: string };
      if (this.disposed || !e.crashed) throw err;
      this.restarts++;
      // Isolate the culprit: each file alone in a separate worker that never has anything
      // else in flight, so a crash there is that file's doing and no other file is lost.
      const K = this.model!.labels.length;
      const probs = new Float32Array(paths.length * K);
      const input = this.options.decodeSpec?.input;
      const plane = input ? input.channels * input.height * input.width : 0;
      const tensor = input ? new Float32Array(paths.length * plane) : undefined;
      const errors: Array<ItemError | null> = new Array(paths.length).fill(null);
      const sha256: Array<string | null> | undefined = this.options.contentHash ? new Array(paths.length).fill(null) : undefined;
      let decodeMs = 0;
      let runMs = 0;
      for (let i = 0; i < paths.length; i++) {
        const one = await this.isolated(paths[i]);
        probs.set(one.probs.subarray(0, K), i * K);
        if (tensor && one.tensor) tensor.set(one.tensor.subarray(0, plane), i * plane);
        errors[i] = one.errors[0];
        if (sha256) sha256[i] = one.sha256?.[0] ?? null;
        decodeMs += one.decodeMs;
        runMs += one.runMs;
      }
      return { probs, errors, sha256, decodeMs, runMs, tensor };
    }
  }

  /** The first worker's model on rows decoded elsewhere (GPU path); a crash there is no file's doing: it fails the run. */
  async infer(tensor: Float32Array, paths: string[], runBatch?: number): Promise<InferResultMessage> {
    try {
      return await this.sendRequest<InferResultMessage>((requestId) => ({ type: 'infer', requestId, tensor, paths, runBatch }), this.slots[0]);
    } catch (err) {
      if (this.disposed || !(err as { crashed?: boolean }).crashed) throw err;
      throw new PoolFailedError(`the model worker stopped while running the model: ${(err as Error).message}`);
    }
  }

  private isolationSlot = new Slot(-1);
  /** Workers we killed because a batch took too long: their files are `timeout` rows, not `crash` rows. */
  private readonly timedOut = new WeakMap<ChildProcess, number>();
  private isolationChain: Promise<unknown> = Promise.resolve();

  private isolated(path: string): Promise<BatchOutcome> {
    const run = this.isolationChain.then(async (): Promise<BatchOutcome> => {
      try {
        const r = await this.sendBatch([path], this.isolationSlot);
        return { probs: r.probs, errors: r.errors, sha256: r.sha256, decodeMs: r.decodeMs, runMs: r.runMs, tensor: r.tensor };
      } catch (err) {
        const e = err as Error & { crashed?: boolean; how?: string; timedOut?: boolean };
        if (this.disposed || !e.crashed) throw err;
        this.restarts++;
        this.options.log?.(`a decoder ${e.timedOut ? 'hang' : 'crash'} was isolated to ${path} (${e.how}); recorded as an error row`);
        return {
          probs: new Float32Array(this.model!.labels.length),
          errors: [
            e.timedOut
              ? { code: 'timeout', message: `decoding this file did not finish (the decoder process was ${e.how}); it was skipped` }
              : { code: 'crash', message: `the decoder process crashed on this file (${e.how}); it was skipped` },
          ],
          decodeMs: 0,
          runMs: 0,
        };
      }
    });
    this.isolationChain = run.catch(() => undefined);
    return run;
  }

  /**
   * CPU milliseconds the worker processes used, as of their latest message (start-up included;
   * what a worker did after its last answer is not counted).
   */
  workerCpuMs(): number {
    let total = 0;
    for (const ms of this.cpuMsByChild.values()) total += ms;
    return total;
  }

  dispose(): void {
    this.disposed = true;
    for (const s of [...this.slots, this.isolationSlot]) {
      s.child?.kill('SIGKILL');
      s.child = undefined;
    }
  }
}
