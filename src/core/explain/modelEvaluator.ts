/**
 * Evaluate backed by a loaded model: builds the occluded copies of one preprocessed image
 * and runs them in batches, returning the chosen class's probability and logit per copy.
 * Native work: runs in the classify worker, the CLI and benchmarks, never in the extension host.
 */
import { softmax } from '../math/softmax';
import type { LoadedModel, ModelLease } from '../runtime/modelSession';
import { occludedBatch } from './cellRegions';
import { type CancelSignal, type ClassScores, type Evaluate, throwIfCancelled } from './evaluator';
import { cellsInScanOrder } from './windows';

/** Largest batch sent to the model at once (the bundled model's best CPU batch). */
export const EXPLAIN_BATCH = 128;

export interface ModelEvaluatorOptions {
  model: LoadedModel;
  /** The preprocessed image, CHW, as classify fed it to the model. */
  image: Float32Array;
  classIndex: number;
  signal?: CancelSignal;
  batch?: number;
  /** Held by the caller for the whole explanation, so a model swap waits for it. */
  lease?: ModelLease;
}

export function modelEvaluator(options: ModelEvaluatorOptions): Evaluate {
  const { model, image } = options;
  const info = model.info;
  const grid = { rows: info.grid[0], cols: info.grid[1] };
  const cells = cellsInScanOrder(grid, info.scanOrder);
  return batchedEvaluate(options, async (part) => {
    const input = occludedBatch(image, part.map((steps) => steps.map((t) => cells[t])), grid, info.input);
    return (await model.run(input, part.length, false, options.lease)).logits;
  });
}

/**
 * Evaluate for timestep ablation (contract v2 `step_mask`): the image unchanged in every row,
 * with the steps of each set masked (the RNN reads the model's neutral vector there).
 */
export function ablationEvaluator(options: ModelEvaluatorOptions): Evaluate {
  const { model, image } = options;
  const steps = model.info.timesteps;
  return batchedEvaluate(options, async (part) => {
    const input = new Float32Array(image.length * part.length);
    const mask = new Float32Array(steps * part.length).fill(1);
    part.forEach((set, i) => {
      input.set(image, i * image.length);
      for (const t of set) mask[i * steps + t] = 0;
    });
    return (await model.run(input, part.length, false, options.lease, mask)).logits;
  });
}

/** Runs the sets in batches (a cancel is seen between them) and reads the class's logit and probability off each row. */
function batchedEvaluate(
  options: ModelEvaluatorOptions,
  runBatch: (part: ReadonlyArray<readonly number[]>) => Promise<ArrayLike<number>>,
): Evaluate {
  const classes = options.model.info.labels.length;
  const { classIndex } = options;
  const chunk = options.batch ?? EXPLAIN_BATCH;
  return async (sets) => {
    const out: ClassScores = { probability: new Float32Array(sets.length), logit: new Float32Array(sets.length) };
    for (let start = 0; start < sets.length; start += chunk) {
      throwIfCancelled(options.signal);
      const part = sets.slice(start, start + chunk);
      const logits = await runBatch(part);
      for (let i = 0; i < part.length; i++) {
        out.logit[start + i] = logits[i * classes + classIndex];
        out.probability[start + i] = softmax(logits, i * classes, classes)[classIndex];
      }
    }
    return out;
  };
}
