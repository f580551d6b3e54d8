/**
 * Rankings of the L timesteps: the order in which a deletion curve removes cells.
 * Higher score = removed earlier; ties go to the earlier timestep, so a ranking is
 * deterministic.
 */

/** Timesteps sorted by descending score (NaN last), ties by ascending timestep. */
export function orderByScores(scores: ArrayLike<number>): number[] {
  const key = (t: number): number => (Number.isNaN(scores[t]) ? -Infinity : scores[t]);
  return Array.from({ length: scores.length }, (_, t) => t).sort((a, b) => key(b) - key(a) || a - b);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same "random" ranking everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded random permutation of 0…L-1 (Fisher–Yates). */
export function seededOrder(length: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length }, (_, t) => t);
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Scores that reproduce a given order: the cell removed k-th (0-based) scores (L - k) / L,
 * so the first scores 1 and orderByScores(rankScores(order)) equals order.
 */
export function rankScores(order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length);
  order.forEach((t, k) => {
    out[t] = (order.length - k) / order.length;
  });
  return out;
}
