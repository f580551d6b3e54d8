/** A worker's answer for one message, as the records the labels file gets. */
import { entropy, topK } from '../math/softmax';
import type { ScanEntry } from '../folder/scanList';
import type { BatchOutcome } from '../batch/workerPool';
import type { LabelRecord } from '../labelsFile/records';
import { limitNote } from './plan';
import type { GivenScorer } from './suspectPass';

export interface RecordContext {
  model: LabelRecord['model'];
  /** The model's class names, in output order. */
  labels: readonly string[];
  /** How many top classes each record lists. */
  topK: number;
  maxPixels: number;
  /** Reviews carried over from the previous records, by path. */
  keptReviews: ReadonlyMap<string, NonNullable<LabelRecord['reviewed']>>;
  /** Content mode: records carry the hash of the bytes the worker decoded. */
  contentMode: boolean;
  /** In a class-subfolder folder: each record's given label and the model's score of it (suspectPass.ts). */
  givenScorer?: GivenScorer;
}

/** The record of `batch[i]` from the worker's outcome for the whole batch. */
export function recordOf(e: ScanEntry, out: BatchOutcome, i: number, ctx: RecordContext): LabelRecord {
  const err = out.errors[i];
  let rec: LabelRecord;
  if (err) {
    // too_large depends on the pixel limit: the message says which limit it failed, so another limit retries it.
    const note = limitNote(ctx.maxPixels);
    const message = err.code === 'too_large' && !err.message.endsWith(note) ? err.message + note : err.message;
    rec = { path: e.rel, error: { code: err.code, message }, model: ctx.model, size: e.size, mtime: e.mtimeMs };
  } else {
    const K = ctx.labels.length;
    const probs = out.probs.subarray(i * K, (i + 1) * K);
    const top = topK(probs, ctx.labels, ctx.topK);
    rec = {
      path: e.rel,
      label: top[0].label,
      score: top[0].score,
      topk: top.map((t) => ({ label: t.label, score: t.score })),
      entropy: entropy(probs),
      margin: top[0].score - (top[1]?.score ?? 0),
      ...ctx.givenScorer?.fieldsFor(e.rel, probs),
      model: ctx.model,
      size: e.size,
      mtime: e.mtimeMs,
    };
    const reviewed = ctx.keptReviews.get(e.rel);
    if (reviewed) rec.reviewed = reviewed;
  }
  // content mode: the workers hash the bytes they decoded (null where a file could not be read)
  const sha256 = ctx.contentMode ? out.sha256?.[i] : undefined;
  if (sha256) rec.sha256 = sha256;
  return rec;
}
