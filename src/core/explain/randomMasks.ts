/**
 * Randomised-mask saliency in the spirit of RISE (Petsiuk, Das and Saenko, "RISE: Randomized
 * Input Sampling for Explanation of Black-box Models", BMVC 2018), on the feature-map grid:
 * evaluate the model on N copies of the image, each with a random subset of cells removed
 * (region occlusion), and score each cell by how much higher the class probability is, on
 * average, when the cell is kept than when it is removed. Unlike one-cell occlusion, this
 * sees cells that matter only together (a context stage lets the other cells make up for
 * one missing cell). The share removed varies per mask over (0, 1), as along a deletion curve.
 */
import type { Evaluate } from './evaluator';
import { seededRandom } from './ranking';

export interface MaskOptions {
  masks: number;
  seed: number;
}

/** N seeded random removal sets over `steps` timesteps; mask i removes each cell with a probability drawn in (0, 1). */
export function randomRemovalSets(steps: number, options: MaskOptions): number[][] {
  const random = seededRandom(options.seed);
  return Array.from({ length: options.masks }, () => {
    const share = (random() + random()) / 2;
    const removed: number[] = [];
    for (let t = 0; t < steps; t++) if (random() < share) removed.push(t);
    return removed;
  });
}

/** score[t] = mean p over masks keeping t − mean p over masks removing t (0 when one side is empty). */
export function keptMinusRemoved(steps: number, sets: readonly number[][], probability: ArrayLike<number>): Float32Array {
  const removedSum = new Float64Array(steps);
  const removedCount = new Uint32Array(steps);
  let total = 0;
  sets.forEach((set, i) => {
    total += probability[i];
    for (const t of set) {
      removedSum[t] += probability[i];
      removedCount[t]++;
    }
  });
  return Float32Array.from({ length: steps }, (_, t) => {
    const kept = sets.length - removedCount[t];
    if (kept === 0 || removedCount[t] === 0) return 0;
    return (total - removedSum[t]) / kept - removedSum[t] / removedCount[t];
  });
}

export async function randomMaskSaliency(steps: number, evaluate: Evaluate, options: MaskOptions): Promise<Float32Array> {
  const sets = randomRemovalSets(steps, options);
  const { probability } = await evaluate(sets);
  return keptMinusRemoved(steps, sets, probability);
}
