/**
 * Which images of a class-subfolder folder are likely mislabeled: the maths, pure.
 *
 * The method is confident learning (Northcutt, Jiang and Chuang, "Confident Learning:
 * Estimating Uncertainty in Dataset Labels", JAIR 70, 2021):
 *   - per-class thresholds: t_j = the mean predicted probability of class j over the images
 *     whose given label is j (the model's own "typical confidence" for that class, which
 *     absorbs a class it is always unsure of);
 *   - the confident joint: an image given i counts in C[i][j] when j is the most probable
 *     of the classes whose probability reaches their threshold; its off-diagonal, calibrated
 *     to the given class counts, estimates how many labels are wrong.
 * Ranking: confident learning's self-confidence p_given, divided by the given class's
 * threshold, so that one hard class does not crowd the list. The score in [0, 1] is
 *   suspect = 1 − min(1, p_given / t_given)
 * (0 once the image is as confident in its label as that class's images are on average;
 * near 1 when the model gives the label almost nothing). The division by t is ours, as is
 * the cut LIKELY_MISLABELED; both are measured in docs/benchmarks.md.
 *
 * Everything takes labels as strings and keeps them in Maps: a class may be called
 * "__proto__" or "constructor". Scores that are not finite numbers in [0, 1] are ignored.
 */

export interface SuspectInput {
  /** The class the image's folder says it is. */
  given: string;
  /** The model's probability of `given` for this image. */
  givenScore: number;
  /** The model's most probable classes, best first (a record's topk). */
  topk?: readonly { label: string; score: number }[];
}

/** An image with `suspect` at or above this gets into the "Likely mislabeled" filter. */
export const LIKELY_MISLABELED = 0.5;

const isProbability = (x: unknown): x is number => typeof x === 'number' && x >= 0 && x <= 1;

/** t_j: the mean of p_j over the images given j, for every class some image is given. */
export function classThresholds(items: Iterable<SuspectInput>): Map<string, number> {
  const sum = new Map<string, number>();
  const count = new Map<string, number>();
  for (const it of items) {
    if (!isProbability(it.givenScore)) continue;
    sum.set(it.given, (sum.get(it.given) ?? 0) + it.givenScore);
    count.set(it.given, (count.get(it.given) ?? 0) + 1);
  }
  const out = new Map<string, number>();
  for (const [label, s] of sum) out.set(label, s / count.get(label)!);
  return out;
}

/** 1 − min(1, p_given / t_given); undefined without a usable score or threshold. */
export function suspectScore(givenScore: number, threshold: number | undefined): number | undefined {
  if (!isProbability(givenScore) || threshold === undefined || !(threshold > 0)) return undefined;
  return 1 - Math.min(1, givenScore / threshold);
}

/**
 * The class confident learning counts the image under: the most probable class whose
 * probability reaches its threshold (the given class included), or undefined when none does.
 * Classes outside `topk` count as below their threshold: exact whenever every threshold
 * exceeds 1/(k+1), the most a class ranked below the top k can have.
 */
export function confidentLabel(item: SuspectInput, thresholds: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  const consider = (label: string, score: number) => {
    const t = thresholds.get(label);
    if (t === undefined || !isProbability(score) || score < t || score <= bestScore) return;
    best = label;
    bestScore = score;
  };
  for (const e of item.topk ?? []) consider(e.label, e.score);
  consider(item.given, item.givenScore);
  return best;
}

/**
 * Confident learning's estimate of the number of wrong labels: the confident joint's
 * off-diagonal, each row rescaled to the number of images given that class.
 */
export function estimateIssueCount(items: readonly SuspectInput[], thresholds: ReadonlyMap<string, number>): number {
  const given = new Map<string, number>();
  const counted = new Map<string, number>();
  const offDiagonal = new Map<string, number>();
  for (const it of items) {
    if (!isProbability(it.givenScore)) continue;
    given.set(it.given, (given.get(it.given) ?? 0) + 1);
    const j = confidentLabel(it, thresholds);
    if (j === undefined) continue;
    counted.set(it.given, (counted.get(it.given) ?? 0) + 1);
    if (j !== it.given) offDiagonal.set(it.given, (offDiagonal.get(it.given) ?? 0) + 1);
  }
  let issues = 0;
  for (const [label, off] of offDiagonal) issues += (off / counted.get(label)!) * given.get(label)!;
  return issues;
}

export interface SuspectScores {
  thresholds: Map<string, number>;
  /** One per input, in order; undefined where the input has no usable score. */
  suspects: (number | undefined)[];
  estimatedIssues: number;
}

/** Thresholds over the whole folder, then every image's score and the estimated number of issues. */
export function scoreSuspects(items: readonly SuspectInput[]): SuspectScores {
  const thresholds = classThresholds(items);
  return {
    thresholds,
    suspects: items.map((it) => suspectScore(it.givenScore, thresholds.get(it.given))),
    estimatedIssues: estimateIssueCount(items, thresholds),
  };
}

/** The `n` most suspect of `items` (highest score first; ties by path, so the order is stable). */
export function topSuspects<T extends { path: string; suspect?: number }>(items: readonly T[], n: number): T[] {
  return items
    .filter((r) => isProbability(r.suspect))
    .sort((a, b) => b.suspect! - a.suspect! || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .slice(0, Math.max(0, n));
}
