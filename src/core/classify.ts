/**
 * One image through the whole pipeline: decode + preprocess, model run, predictions.
 * Runs where native work is allowed (the worker process, the CLI, benchmarks).
 */
import { type Prediction, assertFiniteLogits, softmax, topK } from './math/softmax';
import { type SourceGeometry, preprocessImage } from './image/preprocess';
import type { LoadedModel } from './runtime/modelSession';

export interface ClassifyOptions {
  topK?: number;
  maxPixels?: number;
  /** Also return hidden states, step logits and attention. */
  full?: boolean;
}

export interface ClassifyTiming {
  decodeMs: number;
  runMs: number;
  totalMs: number;
}

export interface ClassifyDetail {
  path: string;
  top: Prediction[];
  probabilities: Float32Array;
  hidden?: Float32Array;
  stepLogits?: Float32Array;
  attention?: Float32Array;
  /** Contract v2 gates [L, G] of the image (model.info.gates says the kind and G). */
  gates?: Float32Array;
  geometry: SourceGeometry;
  timing: ClassifyTiming;
}

export async function classifyFile(model: LoadedModel, path: string, options: ClassifyOptions = {}): Promise<ClassifyDetail> {
  const started = performance.now();
  // Held from before decoding until the run is done, so a model swap in the meantime
  // waits for this classification instead of unloading the model under it.
  const lease = model.acquire();
  let pre: Awaited<ReturnType<typeof preprocessImage>>;
  let out: Awaited<ReturnType<LoadedModel['run']>>;
  let runMs: number;
  try {
    pre = await preprocessImage(path, model.info, { maxPixels: options.maxPixels });
    const runStarted = performance.now();
    out = await model.run(pre.tensor, 1, options.full ?? true, lease);
    runMs = performance.now() - runStarted;
  } finally {
    lease.release();
  }
  // NaN or ±Infinity would make every probability NaN: say what happened instead.
  try {
    assertFiniteLogits(out.logits, model.info.labels);
  } catch (err) {
    (err as Error).message = `${path}: ${(err as Error).message}`;
    throw err;
  }
  const probabilities = softmax(out.logits);
  return {
    path,
    top: topK(probabilities, model.info.labels, options.topK ?? 5),
    probabilities,
    hidden: out.hidden,
    stepLogits: out.stepLogits,
    attention: out.attention,
    gates: out.gates,
    geometry: pre.geometry,
    timing: { decodeMs: pre.decodeMs, runMs, totalMs: performance.now() - started },
  };
}
