/**
 * Where Label Folder writes: the `rcnnLens.label.outputFile` / `outputFormat` settings
 * resolved against the labeled folder. The file must lie inside that folder (a repository's
 * workspace settings must not make a run write elsewhere); no vscode import, so it is testable.
 */
import * as path from 'node:path';
import type { OutputSpec } from './pipeline';
import { formatOf } from './records';

export class OutputPathError extends Error {
  constructor(readonly setting: string, folder: string) {
    super(
      `The labels file setting "${setting}" points outside the labeled folder ${folder}. Use a file name or a path inside the folder (rcnnLens.label.outputFile).`,
    );
    this.name = 'OutputPathError';
  }
}

/** Whether `child` is strictly inside `parent` (both absolute). */
export function isInsideFolder(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export function resolveOutputs(folder: string, fileSetting: string, format: string): OutputSpec[] {
  const file = fileSetting.trim();
  const base = file ? path.resolve(folder, file) : path.join(folder, 'labels.jsonl');
  if (!isInsideFolder(folder, base)) throw new OutputPathError(file, folder);
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
