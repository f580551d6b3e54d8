/** Writing a whole labels file (sort, undo and review write-back rewrite one; a run writes through labeling/journal.ts). */
import { writeFileAtomic } from '../folder/fsutil';
import { CSV_HEADER, type LabelRecord, formatOf, toCsvLine, toJsonLine } from './records';

/** Replaces `file` (temp + rename) with `records`, in the format its name says. */
export async function writeLabelsFile(file: string, records: readonly LabelRecord[]): Promise<void> {
  const format = formatOf(file);
  const lines = records.map((r) => (format === 'csv' ? toCsvLine(r) : toJsonLine(r)) + '\n');
  await writeFileAtomic(file, format === 'csv' ? [CSV_HEADER + '\n', ...lines] : lines);
}
