/**
 * What a labeling run does with each file, decided from what is known before any labeling:
 * the previous labels file, an interrupted run's journal, the scan and the model's hash.
 * Pure (no file system, no processes): `pause` only lets a caller on the extension host yield
 * to the event loop during long loops.
 *
 * The rules:
 * - a file whose size and mtime are those of its previous record, labeled by the same model, keeps
 *   that record (errors too, except those worth retrying: see isStale);
 * - a file the scan could not examine gets an error record and is not sent to a worker;
 * - content mode: a file whose mtime changed but whose size did not, with a hash on record, is
 *   hashed first (toCheck); same bytes keep the previous record under the new mtime;
 * - everything else is labeled again, and keeps its human review if the file itself did not change.
 */
import type { ScanList } from '../folder/scanList';
import { type LabelCounts, countRecord, emptyCounts } from '../labelsFile/counts';
import { type LabelRecord, parseJsonLine, toJsonLine } from '../labelsFile/records';

export type Pause = () => Promise<void>;
const noPause: Pause = () => Promise.resolve();
/** How many records a loop handles between two pauses. */
const SLICE = 2000;

/** Errors that say nothing about the file itself: a rerun tries those files again. */
const RETRY_CODES = new Set(['unreadable', 'not_found', 'crash', 'timeout']);

/** What a too_large error's message ends with: the pixel limit it failed under. */
export function limitNote(maxPixels: number): string {
  return ` (limit ${maxPixels} pixels)`;
}

/** Whether a previous error is worth a retry: a passing failure, or too_large under another pixel limit. */
export function isStale(err: LabelRecord['error'], maxPixels: number): boolean {
  if (!err) return false;
  return RETRY_CODES.has(err.code) || (err.code === 'too_large' && !err.message.endsWith(limitNote(maxPixels)));
}

/**
 * The previous results by path, as JSON lines: the labels file's records, then the journal of an
 * interrupted run on top (a torn or foreign line is skipped). Reviews are only ever written to the
 * labels file, so for an unchanged image the file's `reviewed` (or its absence) wins over a journal line's.
 */
export async function mergePrevious(
  fileRecords: readonly LabelRecord[],
  journalLines: Iterable<string>,
  pause: Pause = noPause,
): Promise<{ previous: Map<string, string>; resumed: number }> {
  const previous = new Map<string, string>();
  const fileReviews = new Map<string, Pick<LabelRecord, 'size' | 'mtime' | 'sha256' | 'reviewed'>>();
  let n = 0;
  for (const r of fileRecords) {
    if (++n % SLICE === 0) await pause();
    previous.set(r.path, toJsonLine(r));
    fileReviews.set(r.path, { size: r.size, mtime: r.mtime, sha256: r.sha256, reviewed: r.reviewed });
  }
  let resumed = 0;
  n = 0;
  for (const line of journalLines) {
    if (++n % SLICE === 0) await pause();
    const r = line ? parseJsonLine(line) : undefined;
    if (!r) continue;
    const f = fileReviews.get(r.path);
    const sameFile = f && f.size === r.size && (f.mtime === r.mtime || (!!f.sha256 && f.sha256 === r.sha256));
    if (f && sameFile && f.reviewed?.label !== r.reviewed?.label) {
      if (f.reviewed) r.reviewed = f.reviewed;
      else delete r.reviewed;
      previous.set(r.path, toJsonLine(r));
    } else previous.set(r.path, line);
    resumed++;
  }
  return { previous, resumed };
}

export interface PlanInput {
  entries: ScanList;
  /** Previous results by path (mergePrevious). */
  previous: ReadonlyMap<string, string>;
  modelHash: string;
  maxPixels: number;
  contentMode: boolean;
}

export interface LabelPlan {
  /** Previous lines kept, by path (the labels file gets them as they are). */
  reuse: Map<string, string>;
  /** Entries the scan could not examine (each gets an error record, no labeling), in scan order. */
  problems: number[];
  /** Content mode: entries to hash before deciding, with their previous record. */
  toCheck: Map<number, LabelRecord>;
  /** Entries to label, in scan order. */
  todo: number[];
  /** Of `reuse`: those reused because their bytes are the same (after settleContentChecks). */
  reusedByContent: number;
  /** Of `reuse`: error records. */
  reusedErrors: number;
  /** Labels and error codes of `reuse` and `problems`. */
  counts: LabelCounts;
}

/**
 * A record in a class folder without the model's score of that class (written before given labels
 * existed): labeled again, as the records keep only the top k, which may not hold the given class.
 */
export function lacksGivenScore(prev: LabelRecord): boolean {
  return prev.given !== undefined && prev.givenScore === undefined;
}

/** Decides for each scanned file: reuse its previous record, record its scan problem, hash it first, or label it. */
export async function planRun(input: PlanInput, pause: Pause = noPause): Promise<LabelPlan> {
  const { entries, previous, modelHash, maxPixels, contentMode } = input;
  const plan: LabelPlan = { reuse: new Map(), problems: [], toCheck: new Map(), todo: [], reusedByContent: 0, reusedErrors: 0, counts: emptyCounts() };
  for (let ei = 0; ei < entries.length; ei++) {
    const e = entries.get(ei);
    if ((ei + 1) % SLICE === 0) await pause();
    const prevLine = previous.get(e.rel);
    const prev = prevLine ? parseJsonLine(prevLine) : undefined;
    const unchanged = prev && prev.size === e.size && prev.mtime === e.mtimeMs && !e.problem;
    if (unchanged && prev.model.hash === modelHash && !isStale(prev.error, maxPixels) && !lacksGivenScore(prev)) {
      plan.reuse.set(e.rel, prevLine!);
      countRecord(plan.counts, prev);
      if (prev.error) plan.reusedErrors++;
    } else if (e.problem) {
      plan.problems.push(ei);
      countRecord(plan.counts, { error: e.problem });
    } else if (contentMode && prev?.sha256 && prev.size === e.size && prev.mtime !== e.mtimeMs) {
      // (Checked even when the model changed: same bytes keep their review through the relabeling.)
      plan.toCheck.set(ei, prev);
    } else plan.todo.push(ei);
  }
  return plan;
}

/**
 * After hashing `plan.toCheck`: the entries with the same bytes (`sameContent`) and a result still
 * valid keep it under their new mtime; the others join `todo` (kept in scan order).
 */
export async function settleContentChecks(
  plan: LabelPlan,
  input: Pick<PlanInput, 'entries' | 'modelHash' | 'maxPixels'>,
  sameContent: ReadonlySet<number>,
  pause: Pause = noPause,
): Promise<void> {
  let n = 0;
  for (const [ei, prev] of plan.toCheck) {
    const e = input.entries.get(ei);
    if (++n % SLICE === 0) await pause();
    if (sameContent.has(ei) && prev.model.hash === input.modelHash && !isStale(prev.error, input.maxPixels) && !lacksGivenScore(prev)) {
      plan.reuse.set(e.rel, toJsonLine({ ...prev, mtime: e.mtimeMs }));
      plan.reusedByContent++;
      countRecord(plan.counts, prev);
      if (prev.error) plan.reusedErrors++;
    } else plan.todo.push(ei);
  }
  plan.todo.sort((a, b) => a - b);
}

/**
 * The human reviews to carry onto the new records of `todo`: a review survives relabeling as long
 * as the file itself did not change (same size, and same mtime or same bytes). `reviewedOnly` is what
 * a --full run kept of the labels file (only reviewed records), consulted where `previous` has nothing.
 */
export async function reviewsToKeep(
  todo: readonly number[],
  entries: ScanList,
  previous: ReadonlyMap<string, string>,
  reviewedOnly: ReadonlyMap<string, string>,
  sameContent: ReadonlySet<number>,
  pause: Pause = noPause,
): Promise<Map<string, NonNullable<LabelRecord['reviewed']>>> {
  const kept = new Map<string, NonNullable<LabelRecord['reviewed']>>();
  let n = 0;
  for (const ei of todo) {
    const e = entries.get(ei);
    if (++n % SLICE === 0) await pause();
    const line = previous.get(e.rel) ?? reviewedOnly.get(e.rel);
    const r = line ? parseJsonLine(line) : undefined;
    if (r?.reviewed && r.size === e.size && (r.mtime === e.mtimeMs || sameContent.has(ei))) kept.set(e.rel, r.reviewed);
  }
  return kept;
}
