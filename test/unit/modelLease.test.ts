import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { classifyFile } from '../../src/core/classify';
import type { ModelInfo } from '../../src/core/model/contract';
import { NonFiniteLogitsError } from '../../src/core/math/softmax';
import { LoadedModel } from '../../src/core/runtime/modelSession';

const info: ModelInfo = {
  name: 'fake',
  labels: ['a', 'b'],
  grid: [2, 2],
  timesteps: 4,
  scanOrder: 'raster' as ModelInfo['scanOrder'],
  input: { name: 'image', channels: 3, height: 8, width: 8, color: 'rgb' },
  preprocess: { resize: 'stretch', mean: [0, 0, 0], std: [1, 1, 1] },
  rnn: { type: 'gru', hiddenSize: 2, layers: 1, bidirectional: false },
  head: 'final',
  outputs: { hidden: false, stepLogits: false, attention: false },
  stepMask: false,
  gates: null,
  card: {},
  precision: 'fp32',
};

/** A LoadedModel around a stand-in session (no onnxruntime work), recording when it is freed. */
function fakeModel(logits = [1, 0]) {
  const events: string[] = [];
  const session = {
    outputNames: ['logits'],
    run: async () => {
      events.push('run');
      return { logits: { data: new Float32Array(logits) } };
    },
    release: async () => {
      events.push('session released');
    },
  };
  const Ctor = LoadedModel as unknown as new (s: unknown, d: unknown) => LoadedModel;
  const model = new Ctor(session, { path: '/m/fake.onnx', hash: '0', info, provider: 'cpu', attempts: [], loadMs: 0 });
  return { model, events };
}

describe('LoadedModel leases', () => {
  it('release() waits for a held lease, and the holder may still run', async () => {
    const { model, events } = fakeModel();
    const lease = model.acquire();
    let freed = false;
    const releasing = model.release().then(() => {
      freed = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(freed).toBe(false);
    // Someone without a lease is refused; the holder is not.
    await expect(model.run(new Float32Array(3 * 8 * 8), 1)).rejects.toThrow('the model has been unloaded');
    await model.run(new Float32Array(3 * 8 * 8), 1, true, lease);
    lease.release();
    lease.release(); // twice is harmless
    await releasing;
    expect(freed).toBe(true);
    expect(events).toEqual(['run', 'session released']);
    expect(() => model.acquire()).toThrow('the model has been unloaded');
  });

  it('a classification still decoding when the model is swapped out finishes on it', async () => {
    const { model, events } = fakeModel();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lease-'));
    const file = path.join(dir, 'img.png');
    await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toFile(file);
    try {
      const classifying = classifyFile(model, file, { topK: 1, full: false });
      const releasing = model.release(); // the swap happens while the image is being decoded
      const detail = await classifying;
      await releasing;
      expect(detail.top[0].label).toBe('a');
      expect(events).toEqual(['run', 'session released']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('classifyFile', () => {
  it('reports non-finite logits as an error naming the file, not NaN probabilities', async () => {
    const { model } = fakeModel([NaN, 0]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nan-'));
    const file = path.join(dir, 'img.png');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toFile(file);
    try {
      const err = await classifyFile(model, file, { topK: 1, full: false }).catch((e) => e);
      expect(err).toBeInstanceOf(NonFiniteLogitsError);
      expect(err.message).toBe(`${file}: the model produced non-finite logits (NaN for class 0 "a")`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
