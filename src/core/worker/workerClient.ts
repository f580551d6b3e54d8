/**
 * Host side of the worker process: spawns it lazily, matches replies to requests,
 * and turns a crash into an error for every pending request (the next request
 * starts a fresh worker). Node-only, no vscode import: used by the extension and the CLI.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { workerProcessEnv } from '../runtime/workerProcessEnv';
import type { ErrorCode } from '../../shared/errorCodes';
import { parseReply, type Unsent } from '../../shared/messaging';
import { WorkerError, type WorkerProgress, type WorkerRequest, type WorkerResponses } from './workerProtocol';

/** Long enough for a 100-megapixel TIFF on a slow disk; short enough that a hang is not forever. */
const DEFAULT_TIMEOUT_MS = 120_000;

/** Names the file only when it was the one request in flight; otherwise the crash may not be its fault. */
function blame(request: WorkerRequest, inFlight: number): string {
  const file = request.type === 'classify' || request.type === 'preview' || request.type === 'explain' ? request.path : undefined;
  if (!file) return '';
  return inFlight === 1 ? ` while decoding or classifying ${file}` : ` while ${inFlight} requests were in progress, ${file} among them`;
}

/** A progress message checked at runtime; anything else gives undefined. */
function parseProgress(raw: unknown): WorkerProgress | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Partial<WorkerProgress>;
  if (m.type !== 'progress' || !Number.isSafeInteger(m.requestId)) return undefined;
  if (typeof m.done !== 'number' || typeof m.total !== 'number') return undefined;
  return { type: 'progress', requestId: m.requestId!, done: m.done, total: m.total };
}

export class WorkerCrashError extends Error {
  readonly errorCode: ErrorCode = 'worker_crash';
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashError';
  }
}

interface Pending {
  onProgress?: (done: number, total: number) => void;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  request: WorkerRequest;
}

export interface WorkerClientOptions {
  /** Called with one line per notable event (spawn, crash), for an output channel. */
  log?: (line: string) => void;
  /** Environment for the worker, e.g. thread counts. */
  env?: NodeJS.ProcessEnv;
}

/**
 * One worker process with the requests sent to it. Kept per process: a replaced process
 * that exits late must fail only its own requests, not those already sent to its successor.
 */
interface WorkerProcess {
  child: ChildProcess;
  pending: Map<number, Pending>;
  /** Why we killed this process ourselves, for the error message of the requests it fails. */
  stuckReason?: string;
}

export class WorkerClient {
  private current: WorkerProcess | undefined;
  private nextId = 1;
  private disposed = false;
  /** Increments each time a new worker process starts, so callers can tell a restart happened. */
  generation = 0;

  /** Environment added for processes started from now on (see setProcessEnv). */
  private extraEnv: NodeJS.ProcessEnv = {};

  constructor(
    private readonly scriptPath: string,
    private readonly options: WorkerClientOptions = {},
  ) {}

  /**
   * Environment that only takes effect when a process starts (a library path): when it differs
   * from what the running worker started with, that worker is stopped and the next request
   * starts a fresh one. Call it between requests.
   */
  setProcessEnv(extra: NodeJS.ProcessEnv): void {
    if (JSON.stringify(extra) === JSON.stringify(this.extraEnv)) return;
    this.extraEnv = extra;
    if (this.current) {
      this.options.log?.(`worker process ${this.current.child.pid} restarts with a new environment`);
      this.current.child.kill();
      this.current = undefined;
    }
  }

  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  /**
   * Sends a request. If no answer comes within `timeoutMs`, the worker is presumed stuck
   * (a decoder in an endless loop on a hostile file) and is killed, which fails every
   * pending request; the next request starts a fresh worker.
   */
  request<M extends Unsent<WorkerRequest>>(
    unsent: M,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    onProgress?: (done: number, total: number) => void,
  ): Promise<WorkerResponses[M['type']]> {
    if (this.disposed) return Promise.reject(new Error('the worker client has been disposed'));
    const proc = this.ensureProcess();
    const { child, pending } = proc;
    const id = this.nextId++;
    const request = { ...unsent, requestId: id } as WorkerRequest;
    return new Promise<WorkerResponses[M['type']]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!pending.has(id)) return;
        proc.stuckReason ??= `it did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;
        child.kill('SIGKILL');
      }, timeoutMs);
      timer.unref?.();
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        fn(v);
      };
      pending.set(id, { onProgress, resolve: settle(resolve as (v: unknown) => void), reject: settle(reject), request });
      child.send(request, (err) => {
        if (err && pending.delete(id)) reject(new WorkerCrashError(`could not reach the worker process: ${err.message}`));
      });
    });
  }

  private ensureProcess(): WorkerProcess {
    if (this.current && this.current.child.connected) return this.current;
    const child = fork(this.scriptPath, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: workerProcessEnv(process.env, { ...this.options.env, ...this.extraEnv }),
    });
    const proc: WorkerProcess = { child, pending: new Map() };
    this.generation++;
    this.options.log?.(`worker process ${child.pid} started`);
    let stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2000);
    });
    child.on('message', (raw: unknown) => this.onReply(proc, raw));
    child.on('exit', (code, signal) => {
      if (this.current === proc) this.current = undefined;
      const how = proc.stuckReason ?? (signal ? `signal ${signal}` : `exit code ${code}`);
      if (proc.pending.size) {
        const lastErr = stderrTail.trim().split('\n').slice(-1)[0];
        this.options.log?.(`worker process ${child.pid} stopped (${how})${lastErr ? `: ${lastErr}` : ''}`);
      }
      // Only this process's requests: a successor may already be answering others.
      const inProgress = [...proc.pending.values()];
      proc.pending.clear();
      for (const p of inProgress) p.reject(new WorkerCrashError(`the worker process stopped (${how})${blame(p.request, inProgress.length)}`));
    });
    child.on('error', (err) => this.options.log?.(`worker process error: ${err.message}`));
    this.current = proc;
    return proc;
  }

  private onReply(proc: WorkerProcess, raw: unknown): void {
    const progress = parseProgress(raw);
    if (progress) {
      proc.pending.get(progress.requestId)?.onProgress?.(progress.done, progress.total);
      return;
    }
    const reply = parseReply(raw);
    const p = reply && proc.pending.get(reply.requestId);
    if (!reply || !p) return;
    proc.pending.delete(reply.requestId);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new WorkerError(reply.error));
  }

  /** Stops the worker; pending requests fail. */
  dispose(): void {
    this.disposed = true;
    this.current?.child.kill();
    this.current = undefined;
  }
}
