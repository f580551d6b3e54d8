/**
 * "Undo Last Sort": replays the newest sort journal backwards, and works after a crash
 * mid-sort too (it checks on disk which side of each operation exists). The journal is
 * checked whole first (sortJournal.ts), and each operation's paths again on real paths
 * right before it is undone.
 */
import { mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { acquireLock } from '../folder/lock';
import { exists, moveFile, remapLabelsFiles, sameFile } from './sortFiles';
import { type CheckedJournal, type JournalOp, checkJournal, latestJournal } from './sortJournal';
import { assertSafePath, isInside, toPosixRel, unsafePathReason } from '../folder/safePath';

export interface UndoResult {
  journal: string | undefined;
  restored: number;
  /** What could not be restored: the journal stays, so Undo can be retried once they are fixed. */
  problems: string[];
  /** Worth saying but not blocking (e.g. a class folder kept because the user added files to it). */
  warnings: string[];
}

export async function hasUndoableSort(folder: string): Promise<boolean> {
  return (await latestJournal(path.resolve(folder))) !== undefined;
}

interface UndoState {
  journal: CheckedJournal;
  problems: string[];
  warnings: string[];
  movedBack: Map<string, string>;
  restored: number;
}

async function undoMkdir(op: JournalOp, s: UndoState): Promise<void> {
  const { dest, sealed } = s.journal;
  // A parent of a --sort-dest the user chose (sealed) lies outside it; everything else is checked.
  const reason = sealed && isInside(op.to, dest) ? undefined : await unsafePathReason(dest, op.to, { allowRoot: true });
  if (reason) {
    if (await exists(op.to)) s.warnings.push(`kept folder ${op.to}: ${reason}`);
    return;
  }
  try {
    await rmdir(op.to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Files added to a class folder since the sort are the user's: keep the folder, and still
    // retire the journal (otherwise every later Undo would stop here).
    if (code !== 'ENOENT') s.warnings.push(`kept folder ${op.to}: it is not empty (${code})`);
  }
}

async function undoFileOp(op: JournalOp, s: UndoState): Promise<void> {
  const { sorted, dest, done, header } = s.journal;
  const follow = { followSymlinks: header.followSymlinks === true };
  const hasTo = await exists(op.to);
  const hasFrom = await exists(op.from);
  const unsafe =
    (await unsafePathReason(dest, op.to, follow)) ?? (op.op === 'move' ? await unsafePathReason(sorted, op.from, follow) : undefined);
  if ((hasTo || hasFrom) && unsafe) {
    s.problems.push(`left ${op.to} in place: ${unsafe}`);
    return;
  }
  if (op.op === 'copy') {
    if (!hasTo) return;
    // Only a copy that still matches its original is ours to delete.
    if (hasFrom && (await sameFile(op.from, op.to))) {
      await unlink(op.to);
      s.restored++;
    } else s.problems.push(`kept ${op.to}: it no longer matches ${op.from}`);
    return;
  }
  if (hasTo && !hasFrom) {
    await mkdir(path.dirname(op.from), { recursive: true });
    // The folders just made may not have landed somewhere else (a link swapped in meanwhile).
    await assertSafePath(sorted, op.from, 'undo target', follow);
    await moveFile(op.to, op.from);
    s.movedBack.set(op.to, op.from);
    s.restored++;
  } else if (hasTo && hasFrom) {
    s.problems.push(`both ${op.from} and ${op.to} exist now; left both in place`);
  } else if (!hasTo && !hasFrom) {
    s.problems.push(`${op.from} is missing (moved to ${op.to}, which is gone too)`);
  } else if (done.has(op.seq)) {
    // from exists, to does not: someone already moved it back.
  }
}

/** Points the labels files back at the restored paths; those inside the folder are checked on real paths first. */
async function restoreLabels(s: UndoState): Promise<void> {
  const { sorted, labelsFiles, labelsRewritten } = s.journal;
  if (!labelsRewritten || !s.movedBack.size) return;
  const byNew = new Map<string, string>();
  for (const [to, from] of s.movedBack) byNew.set(toPosixRel(sorted, to), toPosixRel(sorted, from));
  const files: string[] = [];
  for (const f of labelsFiles) {
    const reason = isInside(sorted, f) ? await unsafePathReason(sorted, f) : undefined;
    if (reason) s.problems.push(`labels file not updated: ${reason}`);
    else files.push(f);
  }
  await remapLabelsFiles(files, byNew);
}

export async function undoLastSort(folderArg: string): Promise<UndoResult> {
  const folder = path.resolve(folderArg);
  const lock = await acquireLock(folder, 'undoing a sort');
  try {
    const file = await latestJournal(folder);
    if (!file) return { journal: undefined, restored: 0, problems: ['there is no sort to undo in this folder'], warnings: [] };
    const s: UndoState = { journal: await checkJournal(file, folder), problems: [], warnings: [], movedBack: new Map(), restored: 0 };
    for (const op of [...s.journal.ops].reverse()) {
      if (op.op === 'mkdir') await undoMkdir(op, s);
      else await undoFileOp(op, s);
    }
    await restoreLabels(s);
    // Only a complete undo retires the journal; with problems it stays, so Undo can be
    // retried once they are fixed (what was restored already is skipped then).
    if (!s.problems.length) await rename(file, file.replace(/\.jsonl$/, '.undone.jsonl'));
    return { journal: file, restored: s.restored, problems: s.problems, warnings: s.warnings };
  } finally {
    await lock.release();
  }
}
