import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, MAX_MESSAGE_IMAGES, messageSize } from '../../src/core/labeling/dispatch';
import { type PoolOptions, WorkerPool } from '../../src/core/batch/workerPool';
import { LOAD_HOOK_ENV } from '../../src/worker/testHooks';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, solidImage, tmpDir } from '../fixtures/hostile/helpers';

let workerScript = '';
beforeAll(() => {
  workerScript = path.join(buildBundles(), 'labelWorker.js');
});

const pools: WorkerPool[] = [];
afterEach(() => pools.splice(0).forEach((p) => p.dispose()));

function pool(workers: number, modelPath = TINY_MODEL, extra: Partial<PoolOptions> = {}): WorkerPool {
  const p = new WorkerPool({ script: workerScript, workers, modelPath, provider: 'cpu', intraOpThreads: 1, decodeConcurrency: 2, maxPixels: 1e8, env: BUNDLE_ENV, ...extra });
  pools.push(p);
  return p;
}

async function pngFolder(n: number): Promise<string[]> {
  const dir = tmpDir('rl-pool-');
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `img${i}.png`);
    await solidImage(f, { r: i * 30, g: 100, b: 200 - i * 20 }, 'png');
    files.push(f);
  }
  return files;
}

describe('message size of a labeling run', () => {
  const tiny = () => 1_500;
  const photo = () => 400_000;
  it('sends whole model batches up to MAX_MESSAGE_IMAGES of small files, one model batch of big files or at the end', () => {
    expect(messageSize(16, 10_000, 4, tiny)).toBe(64);
    expect(messageSize(24, 10_000, 4, tiny)).toBe(48); // whole model batches, at most MAX_MESSAGE_IMAGES
    expect(messageSize(256, 10_000, 4, tiny)).toBe(256); // a large model batch is its own message
    expect(messageSize(16, 10_000, 4, photo)).toBe(16); // big files: one model batch per message
    expect(messageSize(16, 10_000, 4, tiny, 4 * 3 * 32 * 32)).toBe(64); // a 32×32 model's input counts little
    expect(messageSize(16, 10_000, 4, tiny, 4 * 3 * 224 * 224)).toBe(16); // a 224×224 input: one model batch
    // Grows only while the files add up to MAX_MESSAGE_BYTES.
    const third = () => Math.floor(MAX_MESSAGE_BYTES / 40);
    expect(messageSize(16, 10_000, 4, third)).toBe(32);
    expect(messageSize(16, MAX_MESSAGE_IMAGES * 4 * 2, 4, tiny)).toBe(16); // the tail: nobody waits on a big last message
    expect(messageSize(16, 5, 4, tiny)).toBe(5);
    // Every image is sent exactly once, whatever the sizes.
    for (const [batch, total, inFlight] of [[16, 10_000, 4], [7, 1_001, 2], [1, 700, 8], [3, 50_000, 2]]) {
      const sizes = Array.from({ length: total }, (_, i) => ((i * 7919) % 97) * 9_000);
      let sent = 0;
      let messages = 0;
      while (sent < total) {
        const from = sent;
        const n = messageSize(batch, total - sent, inFlight, (k) => sizes[from + k]);
        expect(n).toBeGreaterThan(0);
        expect(n).toBeLessThanOrEqual(Math.max(batch, MAX_MESSAGE_IMAGES));
        if (n > batch) expect(sizes.slice(from, from + n).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
        sent += n;
        messages++;
      }
      expect(sent).toBe(total);
      expect(messages).toBeLessThanOrEqual(Math.ceil(total / batch));
    }
  });
});

describe('labeling worker pool', () => {
  it('a message run in model batches gives exactly the probabilities of one model run, failed files included', async () => {
    const dir = tmpDir('rl-pool-');
    const files: string[] = [];
    for (let i = 0; i < 11; i++) {
      const f = path.join(dir, `img${i}.jpg`);
      if (i === 4 || i === 9) writeFileSync(f, 'not an image');
      else await solidImage(f, { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 31) % 256 });
      files.push(f);
    }
    const p = pool(1);
    const model = await p.start();
    const K = model.labels.length;
    const whole = await p.process(files);
    for (const runBatch of [1, 3, 4, 100]) {
      const sliced = await p.process(files, runBatch);
      expect(sliced.errors.map((e) => e?.code ?? null)).toEqual(whole.errors.map((e) => e?.code ?? null));
      expect(Array.from(sliced.probs)).toEqual(Array.from(whole.probs));
    }
    expect(whole.errors[4]).not.toBeNull();
    expect(whole.errors[9]).not.toBeNull();
    // Rows of failed files stay zero; the others are distributions.
    for (let i = 0; i < files.length; i++) {
      const row = Array.from(whole.probs.subarray(i * K, (i + 1) * K));
      const sum = row.reduce((a, b) => a + b, 0);
      if (i === 4 || i === 9) expect(sum).toBe(0);
      else expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('batches sent as soon as the first worker is ready all complete (those picked for a worker still starting wait for it)', async () => {
    const files = await pngFolder(8);
    const p = pool(2);
    await p.start();
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => p.process(files.slice(i, i + 3))));
    for (const o of outcomes) expect(o.errors.every((e) => e === null)).toBe(true);
    expect(p.pids().length).toBe(2);
    // The workers report their CPU time (model load included) for the run's summary.
    expect(p.workerCpuMs()).toBeGreaterThan(0);
  });

  it('a worker that cannot load the model is left out: the run goes on with the others, and says so', async () => {
    const files = await pngFolder(8);
    const logs: string[] = [];
    const p = pool(2, TINY_MODEL, { env: { ...BUNDLE_ENV, [LOAD_HOOK_ENV]: '1:fail' }, log: (l) => logs.push(l) });
    await p.start();
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => p.process(files.slice(i, i + 1))));
    for (const o of outcomes) expect(o.errors).toEqual([null]);
    expect(logs.some((l) => /worker 2 could not start \(test hook: worker 1 cannot load the model\)/.test(l))).toBe(true);
  });

  it('a worker that never finishes loading is stopped after the load timeout and its batches go to the others', async () => {
    const files = await pngFolder(6);
    const logs: string[] = [];
    const p = pool(2, TINY_MODEL, { env: { ...BUNDLE_ENV, [LOAD_HOOK_ENV]: '0:hang' }, loadTimeoutMs: 1500, log: (l) => logs.push(l) });
    await p.start();
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => p.process(files.slice(i, i + 1))));
    for (const o of outcomes) expect(o.errors).toEqual([null]);
    expect(logs.some((l) => /did not load the model in 1500 ms/.test(l))).toBe(true);
    expect(logs.some((l) => /worker 1 could not start/.test(l))).toBe(true);
  });

  it('when every worker hangs while loading, start() rejects after the load timeout instead of waiting forever', async () => {
    const p = pool(1, TINY_MODEL, { env: { ...BUNDLE_ENV, [LOAD_HOOK_ENV]: '0:hang' }, loadTimeoutMs: 1000 });
    await expect(p.start()).rejects.toThrow(/stopped before the model loaded \(stopped after 1000 ms without an answer\)/);
  });

  it('start() rejects, with the reason, when no worker can load the model', async () => {
    const bad = path.join(tmpDir('rl-pool-'), 'broken.onnx');
    writeFileSync(bad, 'this is not an onnx model');
    await expect(pool(2, bad).start()).rejects.toThrow(/not an ONNX model/);
  });
});
