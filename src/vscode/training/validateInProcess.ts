/**
 * The contract check of a trained model, run in a forked process (dist/validateModel.js):
 * onnxruntime never loads in the extension host.
 */
import { fork } from 'node:child_process';
import { workerProcessEnv } from '../../core/runtime/workerProcessEnv';
import { TrainingError } from '../../core/training/errors';
import type { ValidatedModel } from '../../core/training/validateModel';

const TIMEOUT_MS = 120_000;

type Reply = { ok: true; model: ValidatedModel } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

export function validateInProcess(script: string, file: string): Promise<ValidatedModel> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [file], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: workerProcessEnv(process.env, {}) });
    let stderr = '';
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new TrainingError('invalid_model', `checking ${file} took over ${TIMEOUT_MS / 1000} s`, { model: file })));
    }, TIMEOUT_MS);
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
    child.on('message', (m: Reply) =>
      finish(() => (m.ok ? resolve(m.model) : reject(new TrainingError(m.error.code, m.error.message, m.error.details ?? {})))),
    );
    child.on('error', (err) => finish(() => reject(new TrainingError('invalid_model', `cannot check ${file}: ${err.message}`, { model: file }))));
    // Late: an answer sent just before exiting may still be on its way.
    child.on('exit', (code) => setTimeout(() => finish(() => reject(new TrainingError('invalid_model', `the model check process ended (code ${code}) without an answer${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`, { model: file }))), 200));
  });
}
