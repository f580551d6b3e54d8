/**
 * Contract v2 at run time: the bundled model has the step_mask input; LoadedModel feeds all ones unless
 * the caller passes a mask, and returns the gates. A v1 model runs without a mask and refuses one.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelPath } from '../../src/core/bundledModel';
import { LoadedModel } from '../../src/core/runtime/modelSession';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'models');

function seededImage(n: number): Float32Array {
  const out = new Float32Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}

describe('step_mask and gates on the bundled (v2) model', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await LoadedModel.load(bundledModelPath(ROOT), { provider: 'cpu' });
  });
  afterAll(() => model.release());

  it('reads v2: a step_mask input and GRU update gates over both directions', () => {
    expect(model.info.stepMask).toBe(true);
    expect(model.info.gates).toEqual({ kind: 'gru_update', width: model.info.rnn.hiddenSize * 2 });
  });

  it('gives the same outputs with no mask and an all-ones mask; masking a step changes them', async () => {
    const { channels, height, width } = model.info.input;
    const L = model.info.timesteps;
    const image = seededImage(2 * channels * height * width);
    const plain = await model.run(image, 2, true);
    const ones = await model.run(image, 2, true, undefined, new Float32Array(2 * L).fill(1));
    expect(Array.from(ones.logits)).toEqual(Array.from(plain.logits));
    expect(plain.gates).toHaveLength(2 * L * model.info.gates!.width);
    const mask = new Float32Array(2 * L).fill(1);
    mask[5] = 0; // image 0, step 5
    const masked = await model.run(image, 2, true, undefined, mask);
    const K = model.info.labels.length;
    expect(Array.from(masked.logits.subarray(0, K))).not.toEqual(Array.from(plain.logits.subarray(0, K)));
    expect(Array.from(masked.logits.subarray(K))).toEqual(Array.from(plain.logits.subarray(K)));
  });

  it('refuses a mask of the wrong length', async () => {
    const { channels, height, width } = model.info.input;
    const image = new Float32Array(channels * height * width);
    await expect(model.run(image, 1, false, undefined, new Float32Array(3))).rejects.toThrow(/step_mask has 3 values, expected 64/);
  });
});

describe('a v1 model', () => {
  it('runs without a mask and refuses one', async () => {
    const model = await LoadedModel.load(path.join(FIXTURES, 'tiny-logits-only.onnx'), { provider: 'cpu' });
    expect(model.info.stepMask).toBe(false);
    expect(model.info.gates).toBeNull();
    const { channels, height, width } = model.info.input;
    const image = new Float32Array(channels * height * width);
    expect((await model.run(image, 1, true)).gates).toBeUndefined();
    await expect(model.run(image, 1, false, undefined, new Float32Array(model.info.timesteps))).rejects.toThrow(/no step_mask input/);
    await model.release();
  });
});
