/** Numerically stable softmax over `length` values starting at `offset`. */
export function softmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, values[offset + i]);
  const out = new Float32Array(length);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const e = Math.exp(values[offset + i] - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < length; i++) out[i] /= sum;
  return out;
}

/** The model returned NaN or ±Infinity among its logits: no probability can be derived from them. */
export class NonFiniteLogitsError extends Error {
  override name = 'NonFiniteLogitsError';
}

/**
 * Throws NonFiniteLogitsError when any of `length` logits from `offset` is NaN or ±Infinity
 * (softmax would turn every probability into NaN). `labels` names the class in the message.
 */
export function assertFiniteLogits(values: ArrayLike<number>, labels: readonly string[] = [], offset = 0, length = values.length - offset): void {
  for (let i = 0; i < length; i++) {
    const v = values[offset + i];
    if (!Number.isFinite(v)) {
      const label = labels[i] !== undefined ? ` "${labels[i]}"` : '';
      throw new NonFiniteLogitsError(`the model produced non-finite logits (${v} for class ${i}${label})`);
    }
  }
}

export interface Prediction {
  index: number;
  label: string;
  score: number;
}

/** The k highest-probability classes, best first; ties keep the lower index first (NaN ranks last). */
export function topK(probs: ArrayLike<number>, labels: readonly string[], k: number): Prediction[] {
  const idx = Array.from({ length: probs.length }, (_, i) => i);
  const key = (i: number) => (Number.isNaN(probs[i]) ? -Infinity : probs[i]);
  idx.sort((a, b) => key(b) - key(a) || a - b);
  return idx.slice(0, Math.max(1, Math.min(k, probs.length))).map((i) => ({ index: i, label: labels[i], score: probs[i] }));
}

/** Shannon entropy (nats) of a distribution. */
export function entropy(probs: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) h -= probs[i] * Math.log(probs[i]);
  return h;
}
