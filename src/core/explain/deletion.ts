/**
 * Deletion curves (the faithfulness check): remove the top-k cells of a ranking,
 * k = 0…L, by region occlusion, and follow the chosen class's probability. The area is
 * the mean probability over the L + 1 points, so lower = the ranking found what the
 * prediction depends on.
 */

/** The L + 1 removal sets of a ranking: prefixes of `order` of length 0…L. */
export function deletionPrefixes(order: readonly number[]): number[][] {
  return Array.from({ length: order.length + 1 }, (_, k) => order.slice(0, k));
}

/** Mean of the curve's L + 1 values (the area under it, on a 0…1 axis of k / L). */
export function deletionAuc(curve: ArrayLike<number>): number {
  if (curve.length === 0) throw new Error('a deletion curve has at least one point');
  let sum = 0;
  for (let i = 0; i < curve.length; i++) sum += curve[i];
  return sum / curve.length;
}
