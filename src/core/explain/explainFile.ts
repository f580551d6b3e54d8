/**
 * One image file explained: preprocess it exactly as classify does, run it once with all
 * outputs, pick the class (the top prediction unless one is named), then run the views.
 * Shared by the CLI, the classify worker (the panel) and the benchmark.
 */
import { assertFiniteLogits, softmax } from '../math/softmax';
import { preprocessImage } from '../image/preprocess';
import type { LoadedModel, ModelLease } from '../runtime/modelSession';
import type { CancelSignal } from './evaluator';
import { type ExplainMethod, type Explanation, explain } from './explain';
import type { MaskOptions } from './randomMasks';
import { ablationEvaluator, modelEvaluator } from './modelEvaluator';
import type { OcclusionWindow } from './windows';
import { cellsInScanOrder } from './windows';

export interface ExplainFileOptions {
  methods: readonly ExplainMethod[];
  window?: OcclusionWindow;
  /** A class label; default: the top prediction. */
  classLabel?: string;
  maxPixels?: number;
  masks?: MaskOptions;
  signal?: CancelSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ExplainedImage {
  path: string;
  classIndex: number;
  label: string;
  probability: number;
  logit: number;
  grid: [number, number];
  /** (row, col) of every timestep, scan order. */
  cells: Array<[number, number]>;
  explanation: Explanation;
  ms: number;
}

export class UnknownClassError extends Error {
  override name = 'UnknownClassError';
  readonly code = 'unknown_class';
}

export function classIndexOf(labels: readonly string[], label: string): number {
  const index = labels.indexOf(label);
  if (index < 0) throw new UnknownClassError(`the model has no class named ${JSON.stringify(label)}`);
  return index;
}

export async function explainFile(model: LoadedModel, path: string, options: ExplainFileOptions): Promise<ExplainedImage> {
  const started = performance.now();
  // Held from before decoding to the last run, so a model swap waits instead of unloading the model under it.
  const lease = model.acquire();
  try {
    return await explainHeld(model, path, options, lease, started);
  } finally {
    lease.release();
  }
}

async function explainHeld(model: LoadedModel, path: string, options: ExplainFileOptions, lease: ModelLease, started: number): Promise<ExplainedImage> {
  const info = model.info;
  const pre = await preprocessImage(path, info, { maxPixels: options.maxPixels });
  const out = await model.run(pre.tensor, 1, true, lease);
  assertFiniteLogits(out.logits, info.labels);
  const probabilities = softmax(out.logits);
  const classIndex = options.classLabel === undefined ? probabilities.indexOf(Math.max(...probabilities)) : classIndexOf(info.labels, options.classLabel);
  const grid = { rows: info.grid[0], cols: info.grid[1] };
  const steps = grid.rows * grid.cols;
  const explanation = await explain({
    grid,
    scanOrder: info.scanOrder,
    base: { probability: probabilities[classIndex], logit: out.logits[classIndex] },
    methods: options.methods,
    window: options.window ?? 1,
    evaluate: modelEvaluator({ model, image: pre.tensor, classIndex, signal: options.signal, lease }),
    ablate: info.stepMask ? ablationEvaluator({ model, image: pre.tensor, classIndex, signal: options.signal, lease }) : undefined,
    attention: out.attention,
    hidden: out.hidden ? { values: out.hidden, width: out.hidden.length / steps } : undefined,
    masks: options.masks,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return {
    path,
    classIndex,
    label: info.labels[classIndex],
    probability: probabilities[classIndex],
    logit: out.logits[classIndex],
    grid: info.grid,
    cells: cellsInScanOrder(grid, info.scanOrder),
    explanation,
    ms: performance.now() - started,
  };
}
