/**
 * Human corrections: written back into the labels file (atomically) as `reviewed`
 * ({label, at}); the model's own `label`/`score` stay as they were. Reruns keep them
 * (see labeling/plan.ts) as long as the file itself is unchanged.
 */
import { rmdir } from 'node:fs/promises';
import * as path from 'node:path';
import { STATE_DIR, assertSafePath } from '../folder/safePath';
import { LockedError, acquireLock } from '../folder/lock';
import { readLabelsFile } from '../labelsFile/read';
import { type LabelRecord, formatOf } from '../labelsFile/records';
import { writeLabelsFile } from '../labelsFile/write';

export interface ReviewChange {
  path: string;
  /** The human's label; null removes the review. */
  label: string | null;
}

export class ReviewWriteError extends Error {}

export interface ReviewOutcome {
  /** How many records changed (a change that sets the label already there counts as none). */
  changed: number;
  /**
   * Paths of changes that match no record, so nothing was saved for them: the file was
   * rewritten under the caller (a Move sort renames paths) and the caller must say so
   * rather than report success.
   */
  unknownPaths: string[];
}

/** Applies changes to `labelsFile`; the changes for paths it holds are written, the others reported. */
export async function applyReviews(
  folder: string,
  labelsFile: string,
  changes: readonly ReviewChange[],
  now: () => string = () => new Date().toISOString(),
): Promise<ReviewOutcome> {
  // Hold the folder lock for the whole read-modify-write: a run (or sort) starting in
  // between would otherwise replace the file and lose these corrections, or be lost itself.
  let lock;
  try {
    lock = await acquireLock(folder, 'review write-back');
  } catch (err) {
    if (!(err instanceof LockedError)) throw err;
    const owner = err.owner;
    throw new ReviewWriteError(
      owner ? `a ${owner.purpose} run (process ${owner.pid}) is working on this folder; try again when it has finished` : err.message,
    );
  }
  try {
    // The labels file is rewritten in place: it must really be inside the folder (not through a link).
    await assertSafePath(folder, labelsFile, 'labels file');
    return await applyLocked(labelsFile, changes, now);
  } finally {
    await lock.release();
    await rmdir(path.join(folder, STATE_DIR)).catch(() => undefined); // only if empty
  }
}

async function applyLocked(labelsFile: string, changes: readonly ReviewChange[], now: () => string): Promise<ReviewOutcome> {
  const format = formatOf(labelsFile);
  const records = await readLabelsFile(labelsFile, format);
  if (!records.length) throw new ReviewWriteError(`${labelsFile} has no RCNN Lens records`);
  const byPath = new Map<string, LabelRecord>(records.map((r) => [r.path, r]));
  let changed = 0;
  const unknownPaths = new Set<string>();
  for (const c of changes) {
    const r = byPath.get(c.path);
    if (!r) {
      unknownPaths.add(c.path);
      continue;
    }
    if (c.label === null) {
      if (r.reviewed) {
        delete r.reviewed;
        changed++;
      }
    } else if (r.reviewed?.label !== c.label) {
      r.reviewed = { label: c.label, at: now() };
      changed++;
    }
  }
  const outcome = { changed, unknownPaths: [...unknownPaths] };
  if (!changed) return outcome;
  await writeLabelsFile(labelsFile, records);
  return outcome;
}
