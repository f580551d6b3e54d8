/**
 * The file operations of sort and undo: a free name for a target, a move that survives
 * crossing devices, a copy that keeps the modification time, and the rewrite of labels
 * files to follow moved files.
 */
import { constants } from 'node:fs';
import { copyFile, lstat, open, rename, stat, unlink, utimes } from 'node:fs/promises';
import * as path from 'node:path';
import { rescoreSuspects } from '../labeling/suspectPass';
import { readLabelsFile } from '../labelsFile/read';
import { type LabelRecord, formatOf } from '../labelsFile/records';
import { writeLabelsFile } from '../labelsFile/write';

export async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** `name.ext`, `name (1).ext`, … — the first one that is free (also among names claimed in this sort). */
export async function freeName(dir: string, base: string, claimed: Set<string>): Promise<string> {
  const ext = path.extname(base);
  const stem = base.slice(0, base.length - ext.length);
  for (let n = 0; ; n++) {
    const candidate = path.join(dir, n === 0 ? base : `${stem} (${n})${ext}`);
    if (!claimed.has(candidate) && !(await exists(candidate))) {
      claimed.add(candidate);
      return candidate;
    }
  }
}

export async function moveFile(from: string, to: string): Promise<void> {
  try {
    // rename would replace an existing target; the caller picked a free name, and the
    // journal records it, so a race with another writer is the only way to clash.
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyPreserving(from, to);
    // The copy must be on disk before the original goes: a power cut in between keeps one of them.
    const copy = await open(to, 'r');
    try {
      await copy.sync();
    } finally {
      await copy.close();
    }
    await unlink(from);
  }
}

/**
 * Same size and modification time (what copyPreserving keeps). utimes() takes the time as a
 * Date, so the copy's time can differ from the original's in the sub-millisecond digits.
 */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]).catch(() => [undefined, undefined]);
  return !!sa && !!sb && sa.isFile() && sb.isFile() && sa.size === sb.size && Math.abs(sa.mtimeMs - sb.mtimeMs) < 2;
}

export async function copyPreserving(from: string, to: string): Promise<void> {
  await copyFile(from, to, constants.COPYFILE_EXCL);
  const st = await stat(from);
  await utimes(to, st.atime, st.mtime);
}

/** Renames record paths (old → new) in each labels file; `first` may come with its records already read. */
export async function remapLabelsFiles(files: readonly string[], renames: ReadonlyMap<string, string>, first?: LabelRecord[]): Promise<void> {
  for (let i = 0; i < files.length; i++) {
    const records = i === 0 && first ? first : await readLabelsFile(files[i], formatOf(files[i]));
    if (!records.length) continue;
    const renamed = records.map((r) => (renames.has(r.path) ? { ...r, path: renames.get(r.path)! } : r));
    // A moved file has a new given label (its new class folder), and the thresholds change with it.
    rescoreSuspects(renamed);
    await writeLabelsFile(files[i], renamed);
  }
}
