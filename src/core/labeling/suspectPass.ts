/**
 * Mislabeled images in a labeling run: while labeling, each image in a class folder gets its
 * given label and the model's probability of it (the records keep only the top k, which may
 * not hold the given class); once the labels files are written, the thresholds are computed
 * over the whole folder and every record gets its suspect score (suspects.ts), and the files
 * are written again with it.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../folder/fsutil';
import { CSV_HEADER, type LabelFormat, type LabelRecord, looksLikeOurs, parseLabelsTextSliced, toCsvLine, toJsonLine } from '../labelsFile/records';
import { assertSafePath, isWithin } from '../folder/safePath';
import { GivenLabels } from './givenLabel';
import { type SuspectInput, scoreSuspects } from './suspects';

/** The given-label fields of images labeled in this run. */
export class GivenScorer {
  private readonly given: GivenLabels;
  private readonly index: Map<string, number>;

  constructor(labels: readonly string[]) {
    this.given = new GivenLabels(labels);
    this.index = new Map(labels.map((l, i) => [l, i]));
  }

  /** `given` and `givenScore` for the image at `rel` with class probabilities `probs`, or nothing outside class folders. */
  fieldsFor(rel: string, probs: ArrayLike<number>): Pick<LabelRecord, 'given' | 'givenScore'> {
    const given = this.given.of(rel);
    if (given === undefined) return {};
    return { given, givenScore: probs[this.index.get(given)!] };
  }

  /** The class the folder of `rel` names, if any. */
  givenOf(rel: string): string | undefined {
    return this.given.of(rel);
  }
}

export interface SuspectSummary {
  /** Records with a suspect score. */
  scored: number;
  /** Records in a class folder whose score of the given class is unknown (labeled before this existed: rerun with --full). */
  unscored: number;
  /** Confident learning's estimate of the number of wrong labels. */
  estimatedIssues: number;
}

/**
 * Brings a record's given label in line with its path: after a move (sort, undo, accepting a
 * prediction) or for records written before given labels existed. The score of a new given
 * label comes from the model's top k when it is there; otherwise it is unknown.
 */
export function refreshGiven(r: LabelRecord, given: string | undefined): void {
  if (r.error || given === undefined) {
    delete r.given;
    delete r.givenScore;
    delete r.suspect;
    return;
  }
  if (r.given === given && r.givenScore !== undefined) return;
  r.given = given;
  const score = r.topk?.find((t) => t.label === given)?.score ?? (r.label === given ? r.score : undefined);
  if (score === undefined) delete r.givenScore;
  else r.givenScore = score;
  delete r.suspect;
}

/** Scores every record with a given label, in place; the summary is undefined when none has one. */
export function scoreRecords(records: LabelRecord[], givenOf: (rel: string) => string | undefined): SuspectSummary | undefined {
  for (const r of records) refreshGiven(r, givenOf(r.path));
  const withGiven = records.filter((r) => r.given !== undefined);
  if (!withGiven.length) return undefined;
  const scorable = withGiven.filter((r) => r.givenScore !== undefined);
  const { suspects, estimatedIssues } = scoreSuspects(scorable as SuspectInput[]);
  scorable.forEach((r, i) => {
    if (suspects[i] === undefined) delete r.suspect;
    else r.suspect = suspects[i];
  });
  return { scored: scorable.length, unscored: withGiven.length - scorable.length, estimatedIssues };
}

/** The model's classes as a labels file knows them: every label its records predict, list or are given. */
function labelsOf(records: readonly LabelRecord[]): string[] {
  const labels = new Set<string>();
  for (const r of records) {
    if (r.label !== undefined) labels.add(r.label);
    for (const t of r.topk ?? []) labels.add(t.label);
    if (r.given !== undefined) labels.add(r.given);
  }
  return [...labels];
}

/**
 * After files moved (sort, undo, accepting a prediction in the review): given labels follow the
 * new paths and every suspect score is computed again. Labels files without given labels stay as they are.
 */
export function rescoreSuspects(records: LabelRecord[]): void {
  if (!records.some((r) => r.given !== undefined)) return;
  const given = new GivenLabels(labelsOf(records));
  scoreRecords(records, (rel) => given.of(rel));
}

/** Whether any of the images sits in a class folder of `labels`: only then can a record have a given label. */
export function anyInClassFolder(paths: { readonly length: number; rel(i: number): string }, labels: readonly string[]): boolean {
  const given = new GivenLabels(labels);
  for (let i = 0; i < paths.length; i++) if (given.of(paths.rel(i)) !== undefined) return true;
  return false;
}

/**
 * Adds suspect scores to the labels files a run just wrote (`outputs[0]` is read; all get the
 * same records). Nothing is rewritten when no image sits in a class folder.
 */
export async function addSuspects(
  folder: string,
  outputs: readonly { file: string; format: LabelFormat }[],
  labels: readonly string[],
  breathe: () => Promise<void>,
): Promise<SuspectSummary | undefined> {
  const [primary] = outputs;
  const text = await readFile(primary.file, 'utf8');
  if (!looksLikeOurs(text.slice(0, 65536), primary.format)) return undefined;
  const records = await parseLabelsTextSliced(text, primary.format, breathe);
  const scorer = new GivenScorer(labels);
  const summary = scoreRecords(records, (rel) => scorer.givenOf(rel));
  if (!summary) return undefined;
  for (const o of outputs) {
    if (isWithin(folder, o.file)) await assertSafePath(folder, o.file, 'labels file');
    await writeFileAtomic(o.file, renderRecords(records, o.format, breathe));
  }
  return summary;
}

async function* renderRecords(records: readonly LabelRecord[], format: LabelFormat, breathe: () => Promise<void>): AsyncGenerator<string> {
  if (format === 'csv') yield CSV_HEADER + '\n';
  let chunk = '';
  for (let i = 0; i < records.length; i++) {
    chunk += (format === 'csv' ? toCsvLine(records[i]) : toJsonLine(records[i])) + '\n';
    if (chunk.length > 256 * 1024) {
      yield chunk;
      chunk = '';
      await breathe();
    }
  }
  if (chunk) yield chunk;
}
