/**
 * `rcnn-lens label <folder> --suspects N`: the N images whose folder's class is most likely
 * wrong, read back from the labels file the run wrote.
 */
import { readLabelsFile } from '../core/labelsFile/read';
import { formatOf } from '../core/labelsFile/records';
import type { SuspectSummary } from '../core/labeling/suspectPass';
import { topSuspects } from '../core/labeling/suspects';
import { printableLine } from '../core/util/printable';

export interface SuspectRow {
  path: string;
  /** The class the image's folder names. */
  given: string;
  /** The model's prediction and its probability. */
  predicted: string;
  score: number;
  /** The model's probability of `given`. */
  givenScore: number;
  suspect: number;
}

export async function readTopSuspects(labelsFile: string, n: number): Promise<SuspectRow[]> {
  const records = await readLabelsFile(labelsFile, formatOf(labelsFile));
  return topSuspects(records, n).map((r) => ({
    path: r.path,
    given: r.given!,
    predicted: r.label!,
    score: r.score ?? 0,
    givenScore: r.givenScore ?? 0,
    suspect: r.suspect!,
  }));
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/** The list for a person; paths and class names come from the user's files, so control characters are escaped. */
export function formatSuspects(rows: readonly SuspectRow[], summary: SuspectSummary | undefined): string {
  if (!summary) return 'no suspects: no image sits in a folder named after one of the model\'s classes\n';
  const head =
    `likely mislabeled: the ${rows.length} most suspect of ${summary.scored} image(s) in class folders` +
    ` (confident learning estimates ${Math.round(summary.estimatedIssues)} wrong label(s))` +
    (summary.unscored ? `; ${summary.unscored} labeled before given labels existed have no score (rerun with --full)` : '');
  const lines = rows.map(
    (r) => `${r.suspect.toFixed(3)}  ${r.path}  given ${r.given} (${pct(r.givenScore)}), predicted ${r.predicted} (${pct(r.score)})`,
  );
  return [head, ...lines].map((l) => printableLine(l) + '\n').join('');
}
