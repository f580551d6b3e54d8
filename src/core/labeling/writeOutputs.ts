/** The last stage of a run: the labels file(s) replaced whole, and the run's outputs remembered. */
import { mkdir, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../folder/fsutil';
import { lastRunOutputs, recordRunOutputs } from '../folder/runState';
import type { ScanList } from '../folder/scanList';
import { assertSafePath, isWithin } from '../folder/safePath';
import type { OutputSpec } from '../labelsFile/outputs';
import { assertWritableOutputs } from '../labelsFile/read';
import { type RecordStore, renderLines } from './journal';

export interface WriteInput {
  folder: string;
  outputs: readonly OutputSpec[];
  entries: ScanList;
  store: RecordStore;
  journalFile: string;
  force?: boolean;
  /** A shard run does not record its outputs as the folder's (sort and undo follow full runs). */
  sharded: boolean;
  warnings: string[];
  log?: (line: string) => void;
}

/** Writes every output (temp + rename) from the store and the journal, then removes the journal. */
export async function writeOutputs(w: WriteInput): Promise<void> {
  // Checked again at the end: a long run gives the user time to put a file of their own there.
  // (The journal stays, so after moving that file away the next run only rewrites the output.)
  await assertWritableOutputs(w.outputs, w.force);
  for (const o of w.outputs) {
    await mkdir(path.dirname(o.file), { recursive: true });
    // An output inside the folder (the usual case) must really be there; one elsewhere is the user's --out.
    if (isWithin(w.folder, o.file)) await assertSafePath(w.folder, o.file, 'labels file');
    await writeFileAtomic(o.file, renderLines(w.entries, w.store, w.journalFile, o.format));
  }
  await unlink(w.journalFile).catch(() => undefined);
  // Sort, undo and review follow the outputs of the last full run, whatever the settings are now.
  if (!w.sharded) {
    w.warnings.push(...(await staleOutputWarnings(w.folder, w.outputs)));
    await recordRunOutputs(w.folder, w.outputs).catch((err: Error) => w.log?.(`could not record the run's outputs: ${err.message}`));
  }
}

/**
 * The outputs of the previous run that this run did not rewrite (a `--format jsonl` rerun after
 * a `both` run leaves labels.csv behind): still there, and now out of date. Said, not deleted.
 */
async function staleOutputWarnings(folder: string, outputs: readonly OutputSpec[]): Promise<string[]> {
  const previous = (await lastRunOutputs(folder)) ?? [];
  const now = new Set(outputs.map((o) => path.resolve(o.file)));
  const stale: string[] = [];
  for (const o of previous) {
    if (!now.has(o.file) && (await stat(o.file).then((st) => st.isFile(), () => false))) {
      stale.push(`${o.file} is from an earlier run and now out of date (this run wrote ${[...now].join(', ')}); delete it, or rerun with --format both to keep it current`);
    }
  }
  return stale;
}
