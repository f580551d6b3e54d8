/** How many records per (effective) label and per error code: a run's summary. */
import { type LabelRecord, effectiveLabel } from './records';

export interface LabelCounts {
  classCounts: Record<string, number>;
  errorCodes: Record<string, number>;
}

export function emptyCounts(): LabelCounts {
  return { classCounts: {}, errorCodes: {} };
}

/** Counts one record: an error under its code, anything else under its reviewed label, else its label. */
export function countRecord(counts: LabelCounts, r: Pick<LabelRecord, 'error' | 'label' | 'reviewed'>): void {
  if (r.error) {
    counts.errorCodes[r.error.code] = (counts.errorCodes[r.error.code] ?? 0) + 1;
    return;
  }
  const label = effectiveLabel(r as LabelRecord);
  if (label !== undefined) counts.classCounts[label] = (counts.classCounts[label] ?? 0) + 1;
}

/** Adds `more` into `into` (keys new to `into` come after its own, in `more`'s order). */
export function addCounts(into: LabelCounts, more: LabelCounts): void {
  for (const [k, v] of Object.entries(more.classCounts)) into.classCounts[k] = (into.classCounts[k] ?? 0) + v;
  for (const [k, v] of Object.entries(more.errorCodes)) into.errorCodes[k] = (into.errorCodes[k] ?? 0) + v;
}
