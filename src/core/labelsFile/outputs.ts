/**
 * Where Label Folder writes: the `rcnnLens.label.outputFile` / `outputFormat` settings
 * resolved against the labeled folder. The file must lie inside that folder (a repository's
 * workspace settings must not make a run write elsewhere); no vscode import, so it is testable.
 */
import * as path from 'node:path';
import type { Shard } from '../batch/shard';
import { defaultLabelsName } from '../batch/shard';
import { type LabelFormat, formatOf } from './records';
import { isInside, recordPath, toPosixRel } from '../folder/safePath';

/** One file a run writes, and its format. */
export interface OutputSpec {
  file: string;
  format: LabelFormat;
}

/** `<folder>/labels.jsonl`, or `<folder>/labels.shard-K-of-N.jsonl` for a shard (so shard outputs never clash and concatenate). */
export function defaultOutputs(folder: string, shard?: Shard): OutputSpec[] {
  return [{ file: path.join(folder, defaultLabelsName(shard)), format: 'jsonl' }];
}

export class OutputPathError extends Error {
  constructor(readonly setting: string, folder: string) {
    super(
      `The labels file setting "${setting}" points outside the labeled folder ${folder}. Use a file name or a path inside the folder (rcnnLens.label.outputFile).`,
    );
    this.name = 'OutputPathError';
  }
}


export function resolveOutputs(folder: string, fileSetting: string, format: string): OutputSpec[] {
  const file = fileSetting.trim();
  const base = file ? path.resolve(folder, file) : path.join(folder, 'labels.jsonl');
  if (!isInside(folder, base) || recordPath(folder, toPosixRel(folder, base)) === undefined) throw new OutputPathError(file, folder);
  const stem = base.replace(/\.(jsonl|csv|json)$/i, '');
  if (format === 'csv') return [{ file: file && formatOf(base) === 'csv' ? base : `${stem}.csv`, format: 'csv' }];
  if (format === 'both') return [{ file: `${stem}.jsonl`, format: 'jsonl' }, { file: `${stem}.csv`, format: 'csv' }];
  return [{ file: file && formatOf(base) === 'jsonl' ? base : `${stem}.jsonl`, format: 'jsonl' }];
}

/**
 * The value of a setting a workspace may not choose while untrusted: in an untrusted
 * workspace only the user's own (global) value counts.
 */
export function trustedSettingValue<T>(
  trusted: boolean,
  effective: T | undefined,
  inspected: { globalValue?: T } | undefined,
  fallback: T,
): T {
  if (trusted) return effective ?? fallback;
  return inspected?.globalValue ?? fallback;
}
