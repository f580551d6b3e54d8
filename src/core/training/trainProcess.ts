/**
 * The Python training child: `python -m rcnn_lens_train.folder_train …` with the training
 * package on PYTHONPATH. Events arrive as JSON lines on stdout; the run settles with the
 * `done` event (exit 0), a TrainingError from the `error` event (exit 2), or a
 * TrainingError('cancelled') carrying the checkpoint (exit 3 after SIGTERM).
 *
 * Cancel sends SIGTERM to the child's whole process group (data loader workers included),
 * and SIGKILL when it is still there after the grace period, so the process is gone
 * within ~2 s whatever the Python side does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { TrainingError } from './errors';
import { LineReader } from './lineReader';
import { type TrainDone, type TrainEvent, parseTrainEvent } from './trainEvents';

export interface TrainArgs {
  manifestFile: string;
  out: string;
  /** An ONNX model to start from, or 'none' (from scratch). */
  from: string;
  epochs?: number;
  minutes?: number;
  /** Undefined: the trainer's default (frozen for small folders). */
  freezeCnn?: boolean;
  checkpointDir?: string;
  resume?: boolean;
  threads?: number;
}

export interface TrainProcessOptions {
  python: string;
  /** The folder holding rcnn_lens_train/ (put on PYTHONPATH). */
  trainingRoot: string;
  args: TrainArgs;
  onEvent?: (e: TrainEvent) => void;
  /** Lines that are not events (warnings from libraries, …) and stderr lines. */
  onLog?: (line: string) => void;
  /** Milliseconds between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  env?: NodeJS.ProcessEnv;
}

export function trainCommandArgs(a: TrainArgs): string[] {
  const args = ['-m', 'rcnn_lens_train.folder_train', '--manifest', a.manifestFile, '--out', a.out, '--from', a.from];
  if (a.epochs !== undefined) args.push('--epochs', String(a.epochs));
  if (a.minutes !== undefined) args.push('--minutes', String(a.minutes));
  if (a.freezeCnn !== undefined) args.push(a.freezeCnn ? '--freeze-cnn' : '--no-freeze-cnn');
  if (a.checkpointDir) args.push('--checkpoint-dir', a.checkpointDir);
  if (a.resume) args.push('--resume');
  if (a.threads !== undefined) args.push('--threads', String(a.threads));
  return args;
}

const STDERR_TAIL = 16 * 1024;

export class TrainProcess {
  readonly result: Promise<TrainDone>;
  private readonly child: ChildProcess;
  private exited = false;
  private cancelRequested = false;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: TrainProcessOptions) {
    const env = { ...process.env, ...o.env };
    env.PYTHONPATH = [o.trainingRoot, env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    env.PYTHONUNBUFFERED = '1';
    this.child = spawn(o.python, trainCommandArgs(o.args), {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: cancel reaches the data loader workers too.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    this.result = this.settle();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private settle(): Promise<TrainDone> {
    return new Promise((resolve, reject) => {
      let done: TrainDone | undefined;
      let failed: TrainingError | undefined;
      let checkpoint: string | undefined;
      let stderrTail = '';
      const lines = new LineReader(
        (line) => {
          const e = parseTrainEvent(line);
          if (!e) return void this.o.onLog?.(line);
          if (e.event === 'done') done = e;
          else if (e.event === 'error') failed = new TrainingError(e.code, e.message, e.details);
          else if (e.event === 'cancelled') checkpoint = e.checkpoint;
          this.o.onEvent?.(e);
        },
        1 << 20,
        () => this.o.onLog?.('(a stdout line of over 1 MiB was dropped)'),
      );
      this.child.stdout!.setEncoding('utf8').on('data', (c: string) => lines.push(c));
      const errLines = new LineReader((line) => this.o.onLog?.(line));
      this.child.stderr!.setEncoding('utf8').on('data', (c: string) => {
        stderrTail = (stderrTail + c).slice(-STDERR_TAIL);
        errLines.push(c);
      });
      this.child.on('error', (err) => {
        this.exited = true;
        reject(new TrainingError('python_missing', `cannot start ${this.o.python}: ${err.message}`, { python: this.o.python }));
      });
      this.child.on('close', (code, signal) => {
        this.exited = true;
        clearTimeout(this.killTimer);
        lines.end();
        errLines.end();
        if (code === 0 && done) return resolve(done);
        if (this.cancelRequested || code === 3) {
          return reject(new TrainingError('cancelled', checkpoint ? 'training cancelled; its checkpoint is kept' : 'training cancelled', { checkpoint }));
        }
        if (failed) return reject(failed);
        const last = stderrTail.trim().split(/\r?\n/).slice(-5).join('\n');
        reject(
          new TrainingError('python_failed', `the training process ${signal ? `was killed (${signal})` : `exited with code ${code}`}${code === 0 ? ' without a model' : ''}${last ? `:\n${last}` : ''}`, {
            exitCode: code,
            signal,
          }),
        );
      });
    });
  }

  /** SIGTERM (the trainer writes its checkpoint), SIGKILL after the grace period. Resolves once the process is gone. */
  async cancel(): Promise<void> {
    if (this.exited) return;
    this.cancelRequested = true;
    this.signal('SIGTERM');
    this.killTimer ??= setTimeout(() => this.signal('SIGKILL'), this.o.killGraceMs ?? 1500);
    await this.result.catch(() => undefined);
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      if (process.platform === 'win32') this.child.kill(sig);
      else process.kill(-this.child.pid, sig);
    } catch {
      this.child.kill(sig);
    }
  }
}
