/**
 * "Create a Python environment for RCNN Lens": a venv in a folder of the extension's
 * (its global storage) and `pip install -r training/requirements.txt` into it. Every line
 * pip prints goes to `onLog`; cancel kills the running step.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { TrainingError } from './errors';
import { LineReader } from './lineReader';

export interface VenvOptions {
  basePython: string;
  dir: string;
  requirementsFile: string;
  onLog?: (line: string) => void;
  onStep?: (step: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** The venv's own interpreter. */
export function venvPython(dir: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? path.join(dir, 'Scripts', 'python.exe') : path.join(dir, 'bin', 'python');
}

function runStep(command: string, args: string[], o: VenvOptions, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(new TrainingError('cancelled', `${what}: cancelled`));
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env }, windowsHide: true });
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort);
    let tail: string[] = [];
    const log = (line: string) => {
      tail = [...tail.slice(-9), line];
      o.onLog?.(line);
    };
    const out = new LineReader(log);
    const err = new LineReader(log);
    child.stdout.setEncoding('utf8').on('data', (c: string) => out.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => err.push(c));
    child.on('error', (e) => reject(new TrainingError('python_missing', `${what}: cannot run ${command}: ${e.message}`, { python: command })));
    child.on('close', (code) => {
      o.signal?.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      if (code === 0) return resolve();
      if (o.signal?.aborted) return reject(new TrainingError('cancelled', `${what}: cancelled`));
      reject(new TrainingError('venv_failed', `${what} failed (exit ${code}):\n${tail.slice(-3).join('\n')}`, { exitCode: code, step: what }));
    });
  });
}

/** Creates the venv (replacing a broken one) and installs the requirements; returns its Python. */
export async function createTrainingVenv(o: VenvOptions): Promise<string> {
  await rm(o.dir, { recursive: true, force: true });
  o.onStep?.('creating the virtual environment');
  await runStep(o.basePython, ['-m', 'venv', o.dir], o, `${o.basePython} -m venv`);
  const python = venvPython(o.dir);
  o.onStep?.('installing torch, onnx and onnxruntime (this takes a while)');
  await runStep(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', o.requirementsFile], o, 'pip install');
  return python;
}
