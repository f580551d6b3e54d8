/**
 * The GPU path's processes without a GPU: a model worker on the CPU answering `infer` requests,
 * fed by decode-only workers, must give exactly what a full worker gives, and a decoder crash
 * must cost only the file that causes it (the session is never restarted).
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GpuLabelPipeline } from '../../src/core/batch/gpuPipeline';
import { LabelPool } from '../../src/core/batch/labelPool';
import { type PoolOptions, WorkerPool } from '../../src/core/batch/workerPool';
import { CRASH_HOOK_ENV, LOAD_HOOK_ENV } from '../../src/worker/testHooks';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, solidImage, tmpDir } from '../fixtures/hostile/helpers';

let workerScript = '';
beforeAll(() => {
  workerScript = path.join(buildBundles(), 'labelWorker.js');
});

const disposables: Array<{ dispose(): void }> = [];
afterEach(() => disposables.splice(0).forEach((p) => p.dispose()));

function options(extra: Partial<PoolOptions> = {}): PoolOptions {
  return { script: workerScript, workers: 1, modelPath: TINY_MODEL, provider: 'cpu', intraOpThreads: 1, decodeConcurrency: 2, maxPixels: 1e8, env: BUNDLE_ENV, ...extra };
}

function pool(extra: Partial<PoolOptions> = {}): WorkerPool {
  const p = new WorkerPool(options(extra));
  disposables.push(p);
  return p;
}

async function folder(n: number, broken: number[] = []): Promise<string[]> {
  const dir = tmpDir('rl-gpu-path-');
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `img${i}.${i % 2 ? 'png' : 'jpg'}`);
    if (broken.includes(i)) writeFileSync(f, 'not an image');
    else await solidImage(f, { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 31) % 256 }, i % 2 ? 'png' : 'jpeg', 37 + i, 29 + i);
    files.push(f);
  }
  return files;
}

describe('GPU path workers (model on the CPU here)', () => {
  it('decode-only workers + one model worker give the probabilities and errors of a full worker', async () => {
    const files = await folder(20, [5, 13]);
    const full = pool();
    await full.start();
    const expected = await full.process(files, 8);

    const model = pool();
    const summary = await model.start();
    const decoders = pool({ workers: 2, decodeSpec: model.decodeSpec });
    await decoders.start();
    const pipeline = new GpuLabelPipeline(model, decoders, model.decodeSpec!, false);
    const got = await pipeline.process(files, 8);
    expect(got.errors).toEqual(expected.errors);
    expect(got.errors.flatMap((e, i) => (e ? [i] : []))).toEqual([5, 13]);
    const K = summary.labels.length;
    for (let i = 0; i < files.length * K; i++) expect(Math.abs(got.probs[i] - expected.probs[i])).toBeLessThanOrEqual(1e-6);
    expect(model.sessionsLoaded).toBe(1);
    expect(decoders.sessionsLoaded).toBe(0);
  });

  it('a decoder crash costs only the file that causes it; the model worker keeps its one session', async () => {
    const files = await folder(12);
    const boom = path.join(path.dirname(files[0]), 'boom.jpg');
    await solidImage(boom, { r: 1, g: 2, b: 3 });
    const all = [...files.slice(0, 6), boom, ...files.slice(6)];
    const model = pool({ env: { ...BUNDLE_ENV, [CRASH_HOOK_ENV]: 'boom' } });
    await model.start();
    const decoders = pool({ workers: 2, decodeSpec: model.decodeSpec, env: { ...BUNDLE_ENV, [CRASH_HOOK_ENV]: 'boom' } });
    await decoders.start();
    const modelPid = model.pids()[0];
    const pipeline = new GpuLabelPipeline(model, decoders, model.decodeSpec!, false);
    const got = await pipeline.process(all, 256);
    expect(got.errors.map((e) => e?.code ?? null)).toEqual(all.map((f) => (f === boom ? 'crash' : null)));
    expect(decoders.restarts).toBeGreaterThan(0);
    expect(model.pids()[0]).toBe(modelPid);
    expect(model.sessionsLoaded).toBe(1);
  });

  it('a GPU setting that lands on the CPU grows to the usual CPU pool', async () => {
    const files = await folder(6);
    // No Vulkan driver: webgpu cannot start, so the first worker falls back to the CPU.
    const p = new LabelPool({ ...options({ workers: 2, provider: 'webgpu', env: { ...BUNDLE_ENV, VK_ICD_FILENAMES: '/nonexistent.json' } }), decodeWorkers: 2 });
    disposables.push(p);
    const m = await p.start();
    expect(m.provider).toBe('cpu');
    const out = await p.process(files, 4);
    expect(out.errors.every((e) => e === null)).toBe(true);
    expect(p.gpuReport()).toBeUndefined();
    expect(p.messagesInFlight).toBe(4);
    expect(p.workers).toBe(2);
  });

  it('a GPU setting whose first worker cannot load the model goes on with the others, as the CPU pool does', async () => {
    const files = await folder(4);
    const env = { ...BUNDLE_ENV, VK_ICD_FILENAMES: '/nonexistent.json', [LOAD_HOOK_ENV]: '0:fail' };
    const logs: string[] = [];
    const p = new LabelPool({ ...options({ workers: 2, provider: 'webgpu', env, log: (l) => logs.push(l) }), decodeWorkers: 2 });
    disposables.push(p);
    const m = await p.start();
    expect(m.provider).toBe('cpu');
    const out = await p.process(files, 4);
    expect(out.errors.every((e) => e === null)).toBe(true);
    expect(logs.join('\n')).toMatch(/first labeling worker could not start/);
  });
});
