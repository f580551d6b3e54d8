import { describe, expect, it } from 'vitest';
import { GPU_BATCHES_IN_FLIGHT, GpuLabelPipeline } from '../../src/core/batch/gpuPipeline';
import { compactDecoded, decodeChunks, isGpuProvider, joinDecoded, scatterInferred } from '../../src/core/batch/gpuSchedule';
import { OverlapMeter, intersectionMs, mergeIntervals } from '../../src/core/batch/overlapMeter';
import type { BatchOutcome, WorkerPool } from '../../src/core/batch/workerPool';
import type { InferResultMessage, ItemError } from '../../src/core/batch/workerProtocol';
import { dispatchAll } from '../../src/core/labeling/dispatch';

describe('GPU path scheduling arithmetic', () => {
  it('knows which providers run on a GPU', () => {
    expect(['webgpu', 'cuda', 'dml', 'coreml'].every(isGpuProvider)).toBe(true);
    expect(['cpu', 'none', 'auto', ''].some(isGpuProvider)).toBe(false);
  });

  it('splits a batch over the decoders in contiguous ranges that cover it once, sizes within one', () => {
    expect(decodeChunks(256, 16)).toEqual(Array.from({ length: 16 }, (_, k) => [k * 16, k * 16 + 16]));
    expect(decodeChunks(10, 4, 1)).toEqual([[0, 3], [3, 6], [6, 8], [8, 10]]);
    expect(decodeChunks(20, 16, 8)).toEqual([[0, 10], [10, 20]]); // never below minChunk per decoder
    expect(decodeChunks(5, 16, 8)).toEqual([[0, 5]]);
    expect(decodeChunks(0, 4)).toEqual([]);
    for (const [n, d, min] of [[257, 16, 8], [1000, 3, 8], [7, 7, 1], [33, 1, 8]]) {
      const r = decodeChunks(n, d, min);
      expect(r[0][0]).toBe(0);
      expect(r[r.length - 1][1]).toBe(n);
      r.forEach(([a, b], k) => k && expect(a).toBe(r[k - 1][1]));
      const sizes = r.map(([a, b]) => b - a);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(r.length).toBeLessThanOrEqual(d);
    }
  });

  it('joins decoded parts in batch order, compacts failed rows away and scatters the model answers back', () => {
    const plane = 2;
    const part = (rows: number[], errs: Array<ItemError | null>): BatchOutcome => ({
      probs: new Float32Array(0),
      tensor: Float32Array.from(rows.flatMap((r) => [r, r + 0.5])),
      errors: errs,
      sha256: rows.map((r) => `h${r}`),
      decodeMs: 1,
      runMs: 0,
    });
    const bad: ItemError = { code: 'decode', message: 'broken' };
    const ranges: Array<[number, number]> = [[0, 2], [2, 5]];
    const joined = joinDecoded(5, plane, ranges, [part([0, 1], [null, bad]), part([2, 3, 4], [null, null, bad])], true);
    expect(Array.from(joined.tensor)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
    expect(joined.errors).toEqual([null, bad, null, null, bad]);
    expect(joined.sha256).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
    expect(joined.decodeMs).toBe(2);
    const { ok, input } = compactDecoded(joined.tensor, joined.errors, plane);
    expect(ok).toEqual([0, 2, 3]);
    expect(Array.from(input)).toEqual([0, 0.5, 2, 2.5, 3, 3.5]);
    const nan: ItemError = { code: 'model_error', message: 'NaN' };
    const inferred = { probs: Float32Array.from([0.9, 0.1, 0, 0, 0.3, 0.7]), errors: [null, nan, null] };
    const errors = [...joined.errors];
    const probs = scatterInferred(5, 2, ok, inferred, errors);
    expect(Array.from(probs)).toEqual([0.9, 0.1, 0, 0, 0, 0, 0.3, 0.7, 0, 0].map(Math.fround));
    expect(errors).toEqual([null, bad, nan, null, bad]);
    // Nothing failed: the decoded tensor itself goes to the model, no copy.
    const clean = compactDecoded(joined.tensor, [null, null, null, null, null], plane);
    expect(clean.input).toBe(joined.tensor);
    expect(() => joinDecoded(5, plane, ranges, [part([0], [null]), part([2, 3, 4], [null, null, null])], false)).toThrow(/no tensor of 2 rows/);
  });
});

describe('overlap of decoding and inference', () => {
  it('merges intervals and measures their intersection', () => {
    expect(mergeIntervals([[5, 7], [0, 2], [1, 3], [7, 8], [9, 9]])).toEqual([[0, 3], [5, 8]]);
    expect(intersectionMs([[0, 3], [5, 8]], [[2, 6]])).toBe(2);
    expect(intersectionMs([[0, 1]], [[1, 2]])).toBe(0);
  });

  it('is 1 when the cheaper stage hides behind the other and 0 when they take turns', () => {
    const hidden = new OverlapMeter();
    hidden.add('infer', 0, 100);
    hidden.add('decode', 10, 40);
    hidden.add('decode', 50, 60);
    expect(hidden.report()).toEqual({ decodeBusyMs: 40, inferBusyMs: 100, bothMs: 40, ratio: 1 });
    const turns = new OverlapMeter();
    turns.add('decode', 0, 10);
    turns.add('infer', 10, 20);
    turns.add('decode', 20, 30);
    expect(turns.report().ratio).toBe(0);
    expect(new OverlapMeter().report().ratio).toBe(0);
  });
});

/** Fake pools with fixed delays: decoders that take `decodeMs` per message, a model that runs one request at a time. */
function fakePools(decodeMs: number, inferMs: number, log: string[]) {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const decoders = {
    size: 4,
    async process(paths: string[]): Promise<BatchOutcome> {
      log.push(`decode ${paths[0]}`);
      await sleep(decodeMs);
      const errors = paths.map((p) => (p.includes('bad') ? { code: 'decode', message: 'broken' } : null));
      return { probs: new Float32Array(0), tensor: Float32Array.from(paths.map((p) => Number(p.slice(1)) || 0)), errors, decodeMs, runMs: 0 };
    },
  };
  let chain: Promise<unknown> = Promise.resolve();
  const model = {
    model: { labels: ['a', 'b'] },
    infer(tensor: Float32Array, paths: string[]): Promise<InferResultMessage> {
      const run = chain.then(async () => {
        log.push(`infer ${paths[0]} start`);
        await sleep(inferMs);
        log.push(`infer ${paths[0]} end`);
        const probs = Float32Array.from(Array.from(tensor).flatMap((v) => [v / 1000, 1 - v / 1000]));
        return { probs, errors: paths.map(() => null), runMs: inferMs };
      });
      chain = run;
      return run;
    },
  };
  return { decoders: decoders as unknown as WorkerPool, model: model as unknown as WorkerPool };
}

describe('GPU pipeline (fake decoders and model)', () => {
  it('gives every path its own answer, decode failures as error rows', async () => {
    const log: string[] = [];
    const { decoders, model } = fakePools(1, 1, log);
    const pipeline = new GpuLabelPipeline(model, decoders, { input: { name: 'x', channels: 1, height: 1, width: 1 } } as never, false);
    const paths = Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? `bad${i}` : `f${i}`));
    const out = await pipeline.process(paths, 256);
    paths.forEach((p, i) => {
      if (p.startsWith('bad')) {
        expect(out.errors[i]?.code).toBe('decode');
        expect(Array.from(out.probs.subarray(i * 2, i * 2 + 2))).toEqual([0, 0]);
      } else {
        expect(out.errors[i]).toBeNull();
        expect(out.probs[i * 2]).toBeCloseTo(i / 1000, 6);
      }
    });
    expect(log.filter((l) => l.startsWith('decode'))).toHaveLength(4); // 40 images over 4 decoders
  });

  it('double-buffers: the next batch decodes while the model runs the current one', async () => {
    const log: string[] = [];
    const { decoders, model } = fakePools(30, 60, log);
    const pipeline = new GpuLabelPipeline(model, decoders, { input: { name: 'x', channels: 1, height: 1, width: 1 } } as never, false);
    expect(pipeline.messagesInFlight).toBe(GPU_BATCHES_IN_FLIGHT);
    const todo = Array.from({ length: 8 * 32 }, (_, i) => i);
    await dispatchAll({
      todo,
      maxInFlight: pipeline.messagesInFlight,
      sizeAt: () => 32,
      handle: async (batch) => void (await pipeline.process(batch.map((i) => `f${i}`), 32)),
    });
    // Model-bound (60 ms per batch against 30 ms of decode): after the first two batches, every decode runs during an inference.
    const report = pipeline.overlap.report();
    expect(report.inferBusyMs).toBeGreaterThan(400);
    expect(report.ratio).toBeGreaterThan(0.6);
    // Batch 3 (f64) starts decoding before batch 2 (f32) has finished its inference.
    expect(log.indexOf('decode f64')).toBeLessThan(log.indexOf('infer f32 end'));
  });
});
