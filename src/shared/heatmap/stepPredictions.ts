/** The running prediction: softmax of step_logits[t] for every timestep. */
import { softmax } from '../../core/math/softmax';

/** [L × K] probabilities, row t = softmax(stepLogits[t]). */
export function stepProbabilities(stepLogits: ArrayLike<number>, steps: number, classes: number): Float32Array {
  const out = new Float32Array(steps * classes);
  for (let t = 0; t < steps; t++) out.set(softmax(stepLogits, t * classes, classes), t * classes);
  return out;
}

/** Probability of class k at every timestep, from a stepProbabilities table. */
export function classTrajectory(probs: ArrayLike<number>, steps: number, classes: number, k: number): Float32Array {
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) out[t] = probs[t * classes + k];
  return out;
}
