/**
 * One image's explanations and their faithfulness check, from any Evaluate (a model, or a
 * hand-made function in tests). Each view gives one score per timestep (scan order) and a
 * ranking; every ranking, plus a seeded random one, is then checked by a deletion curve
 * (region occlusion, window 1). All curves are evaluated together, in as few batches as
 * the evaluator makes of them.
 */
import { hiddenNorms } from '../../shared/heatmap/quantities';
import { ABLATION_UNAVAILABLE } from './availability';
import type { ExplainMethod } from './methods';
import type { ScanOrder } from '../model/scanOrder';
import type { GridShape } from './cellRegions';
import { deletionAuc, deletionPrefixes } from './deletion';
import { type CancelSignal, type Evaluate, throwIfCancelled } from './evaluator';
import { DEFAULT_MASKS, type MaskOptions, randomMaskWeights } from './randomMasks';
import { orderByScores, seededOrder } from './ranking';
import { type OcclusionWindow, occlusionWindows, scoresFromWindows } from './windows';

export { EXPLAIN_METHODS, type ExplainMethod, isExplainMethod } from './methods';

/** Runs per progress report (the bundled model's best CPU batch). */
const PROGRESS_SLICE = 128;

/** The seed of the random ranking every view is compared with. */
export const RANDOM_RANKING_SEED = 18;

export interface ExplainRequest {
  grid: GridShape;
  scanOrder: ScanOrder;
  /** The chosen class's probability and logit with nothing removed. */
  base: { probability: number; logit: number };
  methods: readonly ExplainMethod[];
  window: OcclusionWindow;
  /** Region occlusion of sets of timesteps' cells. */
  evaluate: Evaluate;
  /** Timestep ablation (contract v2 `step_mask`); absent for v1 models. */
  ablate?: Evaluate;
  attention?: ArrayLike<number>;
  hidden?: { values: ArrayLike<number>; width: number };
  /** The deep view's random masks (count and seed). */
  masks?: MaskOptions;
  randomSeed?: number;
  signal?: CancelSignal;
  /** Called after every evaluation with the runs done so far and the expected total. */
  onProgress?: (done: number, total: number) => void;
}

export interface MethodResult {
  /**
   * One value per timestep, scan order; higher = ranked earlier. Occlusion, ablation: the
   * drop in probability; attention, norm: the view's own value; deep: the probability the
   * cell adds (random-mask regression).
   */
  scores: Float32Array;
  /** Occlusion and ablation: the drop in the class's logit per timestep. */
  logitDrops?: Float32Array;
  /** Timesteps in the order the deletion curve removes them. */
  order: number[];
  /** Class probability after removing the first k cells of `order`, k = 0…L. */
  curve: Float32Array;
  deletionAuc: number;
  /** Model runs the view needs on its own (its deletion curve not counted). */
  runs: number;
  /** Time the view took on its own, in ms (its deletion curve not counted). */
  ms: number;
}

export interface Explanation {
  methods: Partial<Record<ExplainMethod, MethodResult>>;
  /** Why a requested view could not be computed (a model without that output or input). */
  missing: Partial<Record<ExplainMethod, string>>;
  random: { order: number[]; curve: Float32Array; deletionAuc: number };
}

type Scored = Omit<MethodResult, 'curve' | 'deletionAuc' | 'ms'>;

function drops(base: { probability: number; logit: number }, p: Float32Array, logit: Float32Array) {
  return {
    probability: Float32Array.from(p, (v) => base.probability - v),
    logit: Float32Array.from(logit, (v) => base.logit - v),
  };
}

function missingReason(method: ExplainMethod, req: ExplainRequest): string | undefined {
  if (method === 'ablation' && !req.ablate) return ABLATION_UNAVAILABLE;
  if (method === 'attention' && !req.attention) return 'the model has no attention output (its head is not attention)';
  if (method === 'norm' && !req.hidden) return 'the model has no hidden output';
  return undefined;
}

/** Window-w occlusion: drops of every window, turned into per-timestep scores. */
async function occlusionView(req: ExplainRequest, evaluate: Evaluate, window: OcclusionWindow, steps: number): Promise<Scored> {
  const windows = occlusionWindows(req.grid, req.scanOrder, window);
  const out = await evaluate(windows);
  const d = drops(req.base, out.probability, out.logit);
  const scores = scoresFromWindows(windows, d.probability, steps);
  return { scores, logitDrops: scoresFromWindows(windows, d.logit, steps), order: orderByScores(scores), runs: windows.length };
}

/** Each step masked alone, plus the unmasked row: L + 1 rows in one batch, drops against that row. */
async function ablationView(ablate: Evaluate, steps: number): Promise<Scored> {
  const out = await ablate([[], ...Array.from({ length: steps }, (_, t) => [t])]);
  const base = { probability: out.probability[0], logit: out.logit[0] };
  const d = drops(base, out.probability.subarray(1), out.logit.subarray(1));
  return { scores: d.probability, logitDrops: d.logit, order: orderByScores(d.probability), runs: steps + 1 };
}

function outputView(values: ArrayLike<number>): Scored {
  const scores = Float32Array.from(values);
  return { scores, order: orderByScores(scores), runs: 0 };
}

type Timed = Scored & { ms: number };

async function timed(view: () => Promise<Scored> | Scored): Promise<Timed> {
  const started = performance.now();
  const scored = await view();
  return { ...scored, ms: performance.now() - started };
}

/** Every requested view's scores and order (no deletion curves yet). */
async function scoreViews(req: ExplainRequest, evaluate: Evaluate, steps: number, missing: Explanation['missing']) {
  const views: Partial<Record<ExplainMethod, Timed>> = {};
  const wants = (m: ExplainMethod) => req.methods.includes(m) && !missing[m];
  if (wants('occlusion')) views.occlusion = await timed(() => occlusionView(req, evaluate, req.window, steps));
  if (wants('ablation')) views.ablation = await timed(() => ablationView(req.ablate!, steps));
  if (wants('attention')) views.attention = await timed(() => outputView(req.attention!));
  if (wants('norm')) views.norm = await timed(() => outputView(hiddenNorms(req.hidden!.values, steps, req.hidden!.width)));
  if (wants('deep')) {
    const masks = req.masks ?? DEFAULT_MASKS;
    views.deep = await timed(async () => ({ ...outputView(await randomMaskWeights(steps, evaluate, masks)), runs: masks.masks }));
  }
  return views;
}

/** The deletion curves of all rankings, evaluated in one go (k = 0 is the known base probability). */
async function deletionCurves(orders: number[][], evaluate: Evaluate, base: number): Promise<Float32Array[]> {
  const sets = orders.flatMap((order) => deletionPrefixes(order).slice(1));
  const out = (await evaluate(sets)).probability;
  return orders.map((order, i) => Float32Array.from([base, ...out.subarray(i * order.length, (i + 1) * order.length)]));
}

function expectedRuns(req: ExplainRequest, steps: number): number {
  const has = (m: ExplainMethod) => req.methods.includes(m);
  const windowRuns = occlusionWindows(req.grid, req.scanOrder, req.window).length;
  let total = (req.methods.length + 1) * steps;
  if (has('occlusion')) total += windowRuns;
  if (has('ablation')) total += steps + 1;
  if (has('deep')) total += (req.masks ?? DEFAULT_MASKS).masks;
  return total;
}

export async function explain(req: ExplainRequest): Promise<Explanation> {
  const steps = req.grid.rows * req.grid.cols;
  const missing: Explanation['missing'] = {};
  for (const m of req.methods) {
    const why = missingReason(m, req);
    if (why) missing[m] = why;
  }
  let done = 0;
  const total = expectedRuns(req, steps);
  // In slices, so progress moves during a long evaluation and a cancel is seen between slices.
  const counted = (inner: Evaluate): Evaluate => async (sets) => {
    const out = { probability: new Float32Array(sets.length), logit: new Float32Array(sets.length) };
    for (let start = 0; start < sets.length; start += PROGRESS_SLICE) {
      throwIfCancelled(req.signal);
      const part = await inner(sets.slice(start, start + PROGRESS_SLICE));
      out.probability.set(part.probability, start);
      out.logit.set(part.logit, start);
      done += part.probability.length;
      req.onProgress?.(Math.min(done, total), total);
    }
    return out;
  };
  const evaluate = counted(req.evaluate);
  const views = await scoreViews({ ...req, ablate: req.ablate && counted(req.ablate) }, evaluate, steps, missing);
  const names = Object.keys(views) as ExplainMethod[];
  const randomOrder = seededOrder(steps, req.randomSeed ?? RANDOM_RANKING_SEED);
  const curves = await deletionCurves(
    [...names.map((m) => views[m]!.order), randomOrder],
    evaluate,
    req.base.probability,
  );
  req.onProgress?.(total, total);
  const methods: Explanation['methods'] = {};
  names.forEach((m, i) => {
    methods[m] = { ...views[m]!, curve: curves[i], deletionAuc: deletionAuc(curves[i]) };
  });
  const randomCurve = curves[names.length];
  return { methods, missing, random: { order: randomOrder, curve: randomCurve, deletionAuc: deletionAuc(randomCurve) } };
}
