import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InferenceService } from '../../src/core/worker/inferenceService';
import { BUNDLE_ENV } from '../fixtures/hostile/helpers';

const ROOT = path.join(__dirname, '..', '..');
const BUNDLED = path.join(ROOT, 'media', 'models', 'rcnn-cifar10.onnx');
const SAMPLE = path.join(ROOT, 'samples', 'demo-images', 'airplane_0000.jpg');
let workerScript = '';
const services: InferenceService[] = [];
afterEach(() => services.splice(0).forEach((s) => s.dispose()));

beforeAll(() => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'rl-worker-'));
  const script = `require('esbuild').buildSync({ entryPoints: [{in:'src/worker/main.ts',out:'worker'}], outdir: ${JSON.stringify(out)},
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node','sharp'], logLevel: 'error' });`;
  execFileSync(process.execPath, ['-e', script], { cwd: ROOT, stdio: 'inherit' });
  workerScript = path.join(out, 'worker.js');
});

function service(): InferenceService {
  const s = new InferenceService(workerScript, { env: BUNDLE_ENV });
  s.setModel({ modelPath: BUNDLED, provider: 'cpu' });
  services.push(s);
  return s;
}

describe('explanations in the classify worker', () => {
  it('answers with the views, reporting progress on the way', async () => {
    const progress: Array<[number, number]> = [];
    const { image, model } = await service().explain(SAMPLE, { methods: ['occlusion', 'attention'], window: 1, onProgress: (d, t) => progress.push([d, t]) });
    expect(model.path).toBe(BUNDLED);
    expect(image.explanation.methods.occlusion!.scores).toBeInstanceOf(Float32Array);
    expect(image.explanation.methods.occlusion!.scores).toHaveLength(64);
    expect(image.explanation.methods.attention!.curve).toHaveLength(65);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
  }, 120_000);

  it('stops when cancelled, and the worker goes on serving', async () => {
    const s = service();
    const job = s.newExplainJob();
    // Cancelled right away rather than on the first progress message: with this small model the
    // worker can finish all its batches before a progress message has even reached this process.
    const run = s.explain(SAMPLE, { methods: ['deep'], window: 1 }, job);
    const cancelled = s.cancelExplain(job);
    await expect(run).rejects.toMatchObject({ name: 'ExplainCancelledError', errorCode: 'cancelled' });
    await cancelled;
    const again = await s.explain(SAMPLE, { methods: ['attention'], window: 1 });
    expect(again.image.explanation.methods.attention).toBeDefined();
  }, 120_000);
});
