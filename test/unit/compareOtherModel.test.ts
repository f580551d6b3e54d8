/**
 * "Compare with… → Another model": the second model loads in a worker of its own and is
 * checked like Select Model checks it. A bad file gets one clear message and nothing opens
 * or changes; a good one comes back ready to classify. Runs the real worker bundle.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOtherModel } from '../../src/vscode/compare/compareCommand';
import type { ExtensionServices } from '../../src/vscode/services';
import { BUNDLE_ENV, tmpDir } from '../fixtures/hostile/helpers';

const errors: string[] = [];
const configWrites: unknown[] = [];

vi.mock('vscode', async () => ({
  ...(await import('../fixtures/vscodeFake')).vscodeBasics(),
  workspace: {
    getConfiguration: () => ({ get: <T>(_key: string, fallback: T) => fallback, update: async (...a: unknown[]) => void configWrites.push(a) }),
    isTrusted: true,
  },
  window: {
    showErrorMessage: async (message: string) => void errors.push(message),
    withProgress: (_o: unknown, task: () => Promise<unknown>) => task(),
  },
  ProgressLocation: { Notification: 15 },
}));

const ROOT = path.join(__dirname, '..', '..');
const MODELS = path.join(ROOT, 'test', 'fixtures', 'models');
let services: ExtensionServices;
const savedNodePath = process.env.NODE_PATH;

beforeAll(async () => {
  const out = tmpDir('rl-compare-worker-');
  const script = `require('esbuild').buildSync({ entryPoints: [{ in: 'src/worker/main.ts', out: 'worker' }], outdir: ${JSON.stringify(out)},
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node', 'sharp'], logLevel: 'error' });`;
  // Asynchronously: a blocked test process cannot answer vitest's own messages meanwhile.
  await promisify(execFile)(process.execPath, ['-e', script], { cwd: ROOT });
  // The worker process inherits this environment; the bundle lives outside the repository.
  process.env.NODE_PATH = BUNDLE_ENV.NODE_PATH;
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined, show: () => undefined };
  services = { output: log, workerScript: path.join(out, 'worker.js') } as unknown as ExtensionServices;
}, 60_000);

afterAll(() => {
  process.env.NODE_PATH = savedNodePath;
});

beforeEach(() => {
  errors.length = 0;
  configWrites.length = 0;
});

describe('loading the model to compare with', () => {
  it('refuses a model without the RCNN Lens contract with a clear message and changes nothing', async () => {
    const other = await loadOtherModel(services, path.join(MODELS, 'bad-no-metadata.onnx'));
    expect(other).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^RCNN Lens cannot compare with bad-no-metadata\.onnx: an ONNX model that does not follow the RCNN Lens model contract/);
    expect(errors[0]).toMatch(/Nothing was changed\.$/);
    expect(configWrites).toEqual([]);
  }, 60_000);

  it('refuses a file that is not ONNX', async () => {
    const fake = path.join(tmpDir('rl-compare-bad-'), 'notes.onnx');
    writeFileSync(fake, 'these are my notes, not a model');
    expect(await loadOtherModel(services, fake)).toBeUndefined();
    expect(errors[0]).toMatch(/cannot compare with notes\.onnx: not an ONNX model/);
  }, 60_000);

  it('loads a good model in its own worker, ready to classify', async () => {
    const other = await loadOtherModel(services, path.join(MODELS, 'tiny-grey-lstm-snake-final.onnx'));
    try {
      expect(errors).toEqual([]);
      expect(other).toBeDefined();
      const model = await other!.load();
      expect(model.info.grid).toEqual([7, 7]);
    } finally {
      other?.dispose();
    }
  }, 60_000);
});
