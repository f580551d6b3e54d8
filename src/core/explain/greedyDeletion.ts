/**
 * The "deep" view: which cells the prediction depends on, found by batched greedy deletion.
 * Step k removes, among the remaining cells, the one whose removal (on top of the k - 1
 * already removed) lowers the class probability most. Every candidate of a step is
 * evaluated in one batch. Two economies keep it near the cost of a few hundred runs:
 * - lazy candidates: only the `candidates` cells with the lowest probability seen at their
 *   last evaluation are tried again (their value rarely changes order by much);
 * - early stop: once the probability is below `stopBelow`, or the run budget is spent, the
 *   remaining cells follow in the order of their last evaluation.
 * The deletion curve of the resulting order starts with the greedy steps' own probabilities.
 */
import type { CancelSignal, Evaluate } from './evaluator';
import { throwIfCancelled } from './evaluator';

export interface GreedyOptions {
  /** Cells re-evaluated per step. */
  candidates: number;
  /** Stop the greedy steps once the class probability is below this. */
  stopBelow: number;
  /** Most model runs for the greedy steps (not counting the single-cell pass). */
  maxRuns: number;
}

export const DEFAULT_GREEDY: GreedyOptions = { candidates: 12, stopBelow: 0.02, maxRuns: 360 };

export interface GreedyResult {
  /** Every timestep, in deletion order. */
  order: number[];
  /** Class probability after removing order[0…k-1], for k = 0…steps (the greedy part of the curve). */
  prefixCurve: number[];
  runs: number;
}

/** The `count` remaining timesteps with the lowest estimate (ties: earlier timestep). */
function bestCandidates(remaining: readonly number[], estimate: Float64Array, count: number): number[] {
  return [...remaining].sort((a, b) => estimate[a] - estimate[b] || a - b).slice(0, count);
}

/**
 * `baseProbability`: the class probability with nothing removed; `singleRemoved[t]`: with
 * only cell t removed (the window-1 occlusion pass, reused).
 */
export async function greedyDeletion(
  baseProbability: number,
  singleRemoved: ArrayLike<number>,
  evaluate: Evaluate,
  options: GreedyOptions = DEFAULT_GREEDY,
  signal?: CancelSignal,
): Promise<GreedyResult> {
  const steps = singleRemoved.length;
  const estimate = Float64Array.from(singleRemoved);
  let remaining = Array.from({ length: steps }, (_, t) => t);
  const order: number[] = [];
  const prefixCurve = [baseProbability];
  let runs = 0;
  let current = baseProbability;
  while (remaining.length > 0 && current >= options.stopBelow) {
    // The first step needs no run: its candidates' values are the single-cell pass itself.
    const tried = bestCandidates(remaining, estimate, order.length === 0 ? 1 : options.candidates);
    if (order.length > 0) {
      if (runs + tried.length > options.maxRuns) break;
      throwIfCancelled(signal);
      const { probability } = await evaluate(tried.map((t) => [...order, t]));
      runs += tried.length;
      tried.forEach((t, i) => {
        estimate[t] = probability[i];
      });
    }
    const chosen = bestCandidates(tried, estimate, 1)[0];
    current = estimate[chosen];
    order.push(chosen);
    prefixCurve.push(current);
    remaining = remaining.filter((t) => t !== chosen);
  }
  order.push(...bestCandidates(remaining, estimate, remaining.length));
  return { order, prefixCurve, runs };
}
