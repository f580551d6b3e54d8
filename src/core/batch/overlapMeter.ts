/**
 * How much of the time decoding and inference ran at once (the GPU path's double buffering):
 * intervals of each kind are merged, and their intersection is compared with the shorter of
 * the two busy times. 1 means the cheaper stage was hidden entirely behind the other; 0 means
 * they took turns.
 */

export type Stage = 'decode' | 'infer';

export interface OverlapReport {
  decodeBusyMs: number;
  inferBusyMs: number;
  /** Time both stages were busy. */
  bothMs: number;
  /** bothMs / min(decodeBusyMs, inferBusyMs); 0 when either stage never ran. */
  ratio: number;
}

type Interval = [number, number];

/** Sorted, non-overlapping union of the intervals. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function total(intervals: readonly Interval[]): number {
  return intervals.reduce((sum, [a, b]) => sum + (b - a), 0);
}

/** Length of the intersection of two merged interval lists. */
export function intersectionMs(x: readonly Interval[], y: readonly Interval[]): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < x.length && j < y.length) {
    const lo = Math.max(x[i][0], y[j][0]);
    const hi = Math.min(x[i][1], y[j][1]);
    if (hi > lo) sum += hi - lo;
    if (x[i][1] < y[j][1]) i++;
    else j++;
  }
  return sum;
}

export class OverlapMeter {
  private readonly intervals: Record<Stage, Interval[]> = { decode: [], infer: [] };

  add(stage: Stage, startMs: number, endMs: number): void {
    this.intervals[stage].push([startMs, endMs]);
  }

  report(): OverlapReport {
    const decode = mergeIntervals(this.intervals.decode);
    const infer = mergeIntervals(this.intervals.infer);
    const decodeBusyMs = total(decode);
    const inferBusyMs = total(infer);
    const bothMs = intersectionMs(decode, infer);
    const shorter = Math.min(decodeBusyMs, inferBusyMs);
    return { decodeBusyMs, inferBusyMs, bothMs, ratio: shorter > 0 ? bothMs / shorter : 0 };
  }
}
