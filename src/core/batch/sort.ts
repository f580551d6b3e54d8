/**
 * "Sort into class folders" (copy or move into `<dest>/<class>/<file>`, the ImageFolder
 * layout); "Undo Last Sort" is in undo.ts.
 *
 * Every operation is written to a journal (`<folder>/.rcnn-lens/sorts/<time>.jsonl`)
 * before it happens and marked done after; a name clash gets a ` (n)` suffix, never an
 * overwrite. Before anything moves, every record and class name is checked (classFolders.ts,
 * folder/safePath.ts); right before each operation its source and target are checked again
 * on real paths, so a folder swapped for a symbolic link meanwhile is not followed.
 */
import { mkdir, open, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { classFolderMap } from './classFolders';
import { sealHeader } from './journalSeal';
import { acquireLock } from '../folder/lock';
import { readLabelsFile } from '../labelsFile/read';
import { type LabelRecord, formatOf } from '../labelsFile/records';
import { labelsFilesWith } from '../folder/runState';
import { copyPreserving, exists, freeName, moveFile, remapLabelsFiles } from './sortFiles';
import { type JournalHeader, type JournalLine, type JournalOp, REVIEW_GROUP, sortsDir } from './sortJournal';
import { UnsafePathError, assertSafePath, ensureStateDir, isWithin, recordPath, toPosixRel, unsafePathReason } from '../folder/safePath';

export { REVIEW_GROUP, sortsDir } from './sortJournal';
export { classFolderName } from './classFolders';
export { hasUndoableSort, undoLastSort, type UndoResult } from './undo';

export interface SortOptions {
  folder: string;
  labelsFile: string;
  mode: 'copy' | 'move';
  /** Root of the class folders; default: the folder itself (move) or `<folder>-sorted` (copy). */
  dest?: string;
  /** Files whose score is under this (and not human-reviewed) go to `_review`. 0 disables. */
  reviewThreshold?: number;
  /** The labeling run followed symbolic links: sources may be reached through links that stay inside the folder. */
  followSymlinks?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /**
   * Only these records (by path), each into the folder of the model's prediction, whatever a
   * review says: the review's "accept the prediction" for a file in the wrong class folder.
   */
  only?: ReadonlySet<string>;
}

export interface SortResult {
  sorted: number;
  unchanged: number;
  skippedErrors: number;
  dest: string;
  journal: string;
  classCounts: Record<string, number>;
}

function groupOf(r: LabelRecord, threshold: number, only?: ReadonlySet<string>): string {
  if (only) return r.label!;
  return r.reviewed ? r.reviewed.label : threshold > 0 && (r.score ?? 0) < threshold ? REVIEW_GROUP : r.label!;
}

/**
 * Everything that can be refused is refused here, before the first file moves: a record
 * outside the folder (by spelling or through a link), a class with no safe folder name.
 */
async function planSort(options: SortOptions, folder: string, records: LabelRecord[]): Promise<Map<string, string>> {
  const outside = records.find((r) => !recordPath(folder, r.path));
  if (outside) {
    throw new UnsafePathError(`${options.labelsFile} has a record whose path leaves ${folder} (${JSON.stringify(outside.path)}); not sorting anything`);
  }
  const threshold = options.reviewThreshold ?? 0;
  const folders = classFolderMap(records.filter((r) => !r.error).map((r) => groupOf(r, threshold, options.only)));
  for (const r of records) {
    if (r.error) continue;
    const reason = await unsafePathReason(folder, recordPath(folder, r.path)!, { followSymlinks: options.followSymlinks });
    if (reason) throw new UnsafePathError(`${options.labelsFile}: record ${JSON.stringify(r.path)}: ${reason}; not sorting anything`);
  }
  return folders;
}

/** The labels files a move rewrites: the one given, and the last run's others that lie safely inside the folder. */
async function labelsFilesToFollow(folder: string, labelsFile: string): Promise<string[]> {
  const [given, ...others] = await labelsFilesWith(folder, labelsFile);
  const safe: string[] = [given];
  for (const f of others) if (!(await unsafePathReason(folder, f))) safe.push(f);
  return safe;
}

export async function sortIntoClassFolders(options: SortOptions): Promise<SortResult> {
  const folder = path.resolve(options.folder);
  const dest = path.resolve(options.dest ?? (options.mode === 'move' ? folder : `${folder}-sorted`));
  const lock = await acquireLock(folder, `sorting into class folders`);
  const journalFile = path.join(sortsDir(folder), `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.jsonl`);
  try {
    const all = await readLabelsFile(options.labelsFile, formatOf(options.labelsFile));
    if (!all.length) throw new Error(`no labels found in ${options.labelsFile}; label the folder first`);
    const records = options.only ? all.filter((r) => options.only!.has(r.path)) : all;
    if (options.only && records.length !== options.only.size) throw new Error(`not every file to move is in ${options.labelsFile}; not moving anything`);
    const classFolders = await planSort(options, folder, records);
    // With format "both" the last run wrote JSONL and CSV: moves update all of them.
    const labelsFiles = await labelsFilesToFollow(folder, options.labelsFile);
    await ensureStateDir(folder, 'sorts');
    const journal = await open(journalFile, 'wx');
    const write = async (l: JournalLine, sync: boolean) => {
      await journal.write(JSON.stringify(l) + '\n');
      if (sync) await journal.datasync();
    };
    const header: JournalHeader = {
      kind: 'header',
      version: 1,
      folder,
      dest,
      mode: options.mode,
      labelsFile: path.resolve(options.labelsFile),
      labelsFiles,
      followSymlinks: options.followSymlinks === true,
      startedAt: new Date().toISOString(),
    };
    // Sealed by this machine: undo believes a --sort-dest or outside labels file only with it.
    header.seal = await sealHeader(header as unknown as Record<string, unknown>);
    await write(header, true);
    const result: SortResult = { sorted: 0, unchanged: 0, skippedErrors: 0, dest, journal: journalFile, classCounts: {} };
    const moved = new Map<string, string>();
    let seq = 0;
    let failure: unknown;
    try {
      seq = await sortRecords(options, { folder, dest, records, classFolders, result, moved, write });
    } catch (err) {
      // Files already moved keep their labels below, before the error is reported.
      failure = err;
      seq = (err as { seq?: number }).seq ?? 1;
    }
    try {
      // Moved files keep their labels (and reviews): point the records at the new paths,
      // so a rerun recognises them as unchanged.
      if (moved.size && isWithin(folder, dest)) {
        const renames = new Map<string, string>();
        for (const [from, to] of moved) renames.set(from, toPosixRel(folder, to));
        await write({ kind: 'labels', rewritten: true }, true);
        await remapLabelsFiles(labelsFiles, renames, all);
      }
      if (failure) throw failure;
      await write({ kind: 'complete' }, true);
    } finally {
      await journal.close();
    }
    // A sort that changed nothing leaves no journal: it would hide the real last sort from Undo.
    if (seq === 0) await unlink(journalFile).catch(() => undefined);
    return result;
  } finally {
    await lock.release();
  }
}

interface SortRun {
  folder: string;
  dest: string;
  records: LabelRecord[];
  classFolders: Map<string, string>;
  result: SortResult;
  moved: Map<string, string>;
  write: (l: JournalLine, sync: boolean) => Promise<void>;
}

/** Creates `dir` and its missing parents, each journalled first (outermost first) so undo can remove them. */
async function makeDirs(dir: string, nextSeq: () => number, write: SortRun['write']): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !(await exists(d)); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    const op: JournalOp = { kind: 'op', seq: nextSeq(), op: 'mkdir', from: '', to: d };
    await write(op, false);
    await mkdir(d);
    await write({ kind: 'done', seq: op.seq }, false);
  }
}

/** The operations themselves; returns how many were journalled (a failure carries that count as `seq`). */
async function sortRecords(options: SortOptions, run: SortRun): Promise<number> {
  const { folder, dest, records, classFolders, result, moved, write } = run;
  const threshold = options.reviewThreshold ?? 0;
  const follow = { followSymlinks: options.followSymlinks };
  const claimed = new Set<string>();
  const madeDirs = new Set<string>();
  let seq = 0;
  const nextSeq = () => ++seq;
  try {
    let i = 0;
    for (const r of records) {
      options.onProgress?.(i++, records.length);
      if (options.signal?.aborted) break;
      if (r.error) {
        result.skippedErrors++;
        continue;
      }
      const group = groupOf(r, threshold, options.only);
      const dir = path.join(dest, classFolders.get(group)!);
      const from = recordPath(folder, r.path)!;
      if (path.dirname(from) === dir || !(await exists(from))) {
        result.unchanged++;
        continue;
      }
      if (!madeDirs.has(dir)) {
        await makeDirs(dest, nextSeq, write);
        await assertSafePath(dest, dir, 'class folder', follow);
        await makeDirs(dir, nextSeq, write);
        madeDirs.add(dir);
      }
      const to = await freeName(dir, path.basename(from), claimed);
      // Checked again right before acting: the layout may have changed since the plan.
      await assertSafePath(folder, from, `sort source ${r.path}`, follow);
      await assertSafePath(dest, to, 'sort target', follow);
      const op: JournalOp = { kind: 'op', seq: nextSeq(), op: options.mode, from, to };
      await write(op, options.mode === 'move');
      if (options.mode === 'move') await moveFile(from, to);
      else await copyPreserving(from, to);
      await write({ kind: 'done', seq: op.seq }, false);
      result.sorted++;
      result.classCounts[group] = (result.classCounts[group] ?? 0) + 1;
      if (options.mode === 'move') moved.set(r.path, to);
    }
  } catch (err) {
    throw Object.assign(err as Error, { seq });
  }
  return seq;
}
