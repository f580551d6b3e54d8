/**
 * The "deep" view: what the prediction depends on, from randomised masks in the spirit of
 * RISE (Petsiuk, Das and Saenko, "RISE: Randomized Input Sampling for Explanation of
 * Black-box Models", BMVC 2018), on the feature-map grid and with a linear read-out as in
 * LIME/KernelSHAP (Ribeiro et al. 2016; Lundberg and Lee 2017): run the model on N copies of
 * the image, each with a random subset of cells removed (region occlusion), and fit
 * p ≈ b + Σ_t w_t · kept_t by ridge regression. w_t is the probability cell t adds, on
 * average over which other cells are there. Unlike one-cell occlusion this sees cells that
 * matter only together (a context stage lets the other cells make up for one missing cell).
 * The share removed varies per mask over (0, 1), as it does along a deletion curve.
 */
import type { Evaluate } from './evaluator';
import { solveSpd } from './linearSolve';
import { seededRandom } from './ranking';

export interface MaskOptions {
  masks: number;
  seed: number;
}

export const DEFAULT_MASKS: MaskOptions = { masks: 256, seed: 2018 };

/** Ridge strength per mask, on the cell weights only (not the intercept). */
const RIDGE_PER_MASK = 1e-3;

/** N seeded random removal sets over `steps` timesteps; each mask draws its own removal share. */
export function randomRemovalSets(steps: number, options: MaskOptions): number[][] {
  const random = seededRandom(options.seed);
  return Array.from({ length: options.masks }, () => {
    const share = (random() + random()) / 2;
    const removed: number[] = [];
    for (let t = 0; t < steps; t++) if (random() < share) removed.push(t);
    return removed;
  });
}

/** Ridge fit of p on the kept indicators; returns the per-cell weights w_t. */
export function keptWeights(steps: number, sets: readonly number[][], probability: ArrayLike<number>): Float32Array {
  const n = steps + 1; // the last column is the intercept
  const xtx = new Float64Array(n * n);
  const xty = new Float64Array(n);
  const x = new Float64Array(n);
  sets.forEach((set, i) => {
    x.fill(1);
    for (const t of set) x[t] = 0;
    for (let a = 0; a < n; a++) {
      if (x[a] === 0) continue;
      xty[a] += probability[i];
      for (let c = 0; c < n; c++) xtx[a * n + c] += x[c];
    }
  });
  for (let t = 0; t < steps; t++) xtx[t * n + t] += RIDGE_PER_MASK * sets.length + 1e-9;
  return Float32Array.from(solveSpd(xtx, xty, n).subarray(0, steps));
}

export async function randomMaskWeights(steps: number, evaluate: Evaluate, options: MaskOptions = DEFAULT_MASKS): Promise<Float32Array> {
  const sets = randomRemovalSets(steps, options);
  const { probability } = await evaluate(sets);
  return keptWeights(steps, sets, probability);
}
