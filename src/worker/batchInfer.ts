/**
 * The model half of a labeling worker: rows of decoded inputs through the model, in slices of
 * `runBatch`, into probabilities; a row whose logits are not finite becomes an error row.
 * Inference runs one request at a time (onnxruntime-node runs a session on the calling thread).
 */
import type { ItemError } from '../core/batch/workerProtocol';
import { assertFiniteLogits, softmax } from '../core/math/softmax';
import type { LoadedModel } from '../core/runtime/modelSession';
import type { LabelWorkerHooks } from './testHooks';

export interface InferredRows {
  /** rows × K probabilities, in the order of `rows`. */
  probs: Float32Array;
  /** Per row: null or why it has no probabilities. */
  errors: Array<ItemError | null>;
  runMs: number;
}

let inferenceChain: Promise<unknown> = Promise.resolve();

/** Runs `paths.length` rows of `input` (C×H×W each) after every earlier request's inference. */
export function inferRows(m: LoadedModel, input: Float32Array, paths: readonly string[], runBatch: number | undefined, hooks: LabelWorkerHooks): Promise<InferredRows> {
  const run = inferenceChain.then(() => inferNow(m, input, paths, runBatch, hooks));
  inferenceChain = run.catch(() => undefined);
  return run;
}

async function inferNow(m: LoadedModel, input: Float32Array, paths: readonly string[], runBatch: number | undefined, hooks: LabelWorkerHooks): Promise<InferredRows> {
  const { channels, height, width } = m.info.input;
  const plane = channels * height * width;
  const K = m.info.labels.length;
  const n = paths.length;
  const probs = new Float32Array(n * K);
  const errors: Array<ItemError | null> = new Array(n).fill(null);
  const t = performance.now();
  // In slices of runBatch rows: the model's cost per image grows with the batch beyond its best size.
  const step = runBatch && runBatch > 0 ? runBatch : n;
  for (let start = 0; start < n; start += step) {
    const rows = Math.min(step, n - start);
    const out = await m.run(input.subarray(start * plane, (start + rows) * plane), rows, false);
    for (let row = 0; row < rows; row++) {
      const i = start + row;
      if (hooks.poisons(paths[i])) out.logits.fill(NaN, row * K, (row + 1) * K);
      try {
        // NaN or ±Infinity would make every probability NaN: an error row, not a label with no score.
        assertFiniteLogits(out.logits, m.info.labels, row * K, K);
      } catch (err) {
        errors[i] = { code: 'model_error', message: (err as Error).message };
        continue;
      }
      probs.set(softmax(out.logits, row * K, K), i * K);
    }
  }
  return { probs, errors, runMs: performance.now() - t };
}
