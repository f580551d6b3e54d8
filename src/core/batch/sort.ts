/**
 * "Sort into class folders" (copy or move into `<dest>/<class>/<file>`, the ImageFolder
 * layout) and "Undo Last Sort".
 *
 * Every operation is written to a journal (`<folder>/.rcnn-lens/sorts/<time>.jsonl`)
 * before it happens and marked done after; a name clash gets a ` (n)` suffix, never an
 * overwrite. Undo replays the newest journal backwards and works after a crash mid-sort
 * too: it checks on disk which side of each operation exists.
 */
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, open, readFile, readdir, realpath, rename, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import * as path from 'node:path';
import { readLabelsFile } from './pipeline';
import { writeFileAtomic } from './fsutil';
import { acquireLock } from './lock';
import { type LabelRecord, formatOf, toCsvLine, toJsonLine, CSV_HEADER } from './records';
import { labelsFilesWith } from './runState';
import { STATE_DIR, isInside, recordFile, toPosixRel } from './scan';

export interface SortOptions {
  folder: string;
  labelsFile: string;
  mode: 'copy' | 'move';
  /** Root of the class folders; default: the folder itself (move) or `<folder>-sorted` (copy). */
  dest?: string;
  /** Files whose score is under this (and not human-reviewed) go to `_review`. 0 disables. */
  reviewThreshold?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface SortResult {
  sorted: number;
  unchanged: number;
  skippedErrors: number;
  dest: string;
  journal: string;
  classCounts: Record<string, number>;
}

interface JournalHeader {
  kind: 'header';
  version: 1;
  folder: string;
  dest: string;
  mode: 'copy' | 'move';
  labelsFile: string;
  /** Every labels file rewritten to follow moves (the last run's outputs, e.g. JSONL and CSV); absent in old journals. */
  labelsFiles?: string[];
  startedAt: string;
}
interface JournalOp {
  kind: 'op';
  seq: number;
  op: 'copy' | 'move' | 'mkdir';
  from: string;
  to: string;
}
interface JournalDone {
  kind: 'done';
  seq: number;
}
interface JournalLabels {
  kind: 'labels';
  /** Labels-file paths were rewritten to follow moved files. */
  rewritten: true;
}
interface JournalComplete {
  kind: 'complete';
}
type JournalLine = JournalHeader | JournalOp | JournalDone | JournalLabels | JournalComplete;

export const REVIEW_GROUP = '_review';

export function sortsDir(folder: string): string {
  return path.join(folder, STATE_DIR, 'sorts');
}

/** A class name as a single safe folder name. */
export function classFolderName(label: string): string {
  let s = label.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_').trim();
  if (!s || s === '.' || s === '..') s = '_unnamed';
  return s;
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** `name.ext`, `name (1).ext`, … — the first one that is free (also among names claimed in this sort). */
async function freeName(dir: string, base: string, claimed: Set<string>): Promise<string> {
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

async function moveFile(from: string, to: string): Promise<void> {
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
async function sameFile(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]).catch(() => [undefined, undefined]);
  return !!sa && !!sb && sa.isFile() && sb.isFile() && sa.size === sb.size && Math.abs(sa.mtimeMs - sb.mtimeMs) < 2;
}

async function copyPreserving(from: string, to: string): Promise<void> {
  await copyFile(from, to, constants.COPYFILE_EXCL);
  const st = await stat(from);
  await utimes(to, st.atime, st.mtime);
}

/** `child` is `parent` or lies under it. */
function isWithin(parent: string, child: string): boolean {
  return path.resolve(child) === path.resolve(parent) || isInside(parent, child);
}

/** Renames record paths (old → new) in each labels file; `first` may come with its records already read. */
async function remapLabelsFiles(files: readonly string[], rename: ReadonlyMap<string, string>, first?: LabelRecord[]): Promise<void> {
  for (let i = 0; i < files.length; i++) {
    const records = i === 0 && first ? first : await readLabelsFile(files[i], formatOf(files[i]));
    if (!records.length) continue;
    await rewriteLabels(
      files[i],
      records.map((r) => (rename.has(r.path) ? { ...r, path: rename.get(r.path)! } : r)),
    );
  }
}

async function rewriteLabels(file: string, records: LabelRecord[]): Promise<void> {
  const format = formatOf(file);
  const lines = records.map((r) => (format === 'csv' ? toCsvLine(r) : toJsonLine(r)) + '\n');
  await writeFileAtomic(file, format === 'csv' ? [CSV_HEADER + '\n', ...lines] : lines);
}

export async function sortIntoClassFolders(options: SortOptions): Promise<SortResult> {
  const folder = path.resolve(options.folder);
  const dest = path.resolve(options.dest ?? (options.mode === 'move' ? folder : `${folder}-sorted`));
  const lock = await acquireLock(folder, `sorting into class folders`);
  const journalFile = path.join(sortsDir(folder), `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.jsonl`);
  try {
    const records = await readLabelsFile(options.labelsFile, formatOf(options.labelsFile));
    if (!records.length) throw new Error(`no labels found in ${options.labelsFile}; label the folder first`);
    // Refuse the whole file before touching anything if one record points outside the folder.
    const outside = records.find((r) => !recordFile(folder, r.path));
    if (outside) {
      throw new Error(`${options.labelsFile} has a record whose path leaves ${folder} (${JSON.stringify(outside.path)}); not sorting anything`);
    }
    // With format "both" the last run wrote JSONL and CSV: moves update all of them.
    const labelsFiles = await labelsFilesWith(folder, options.labelsFile);
    await mkdir(sortsDir(folder), { recursive: true });
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
      startedAt: new Date().toISOString(),
    };
    await write(header, true);
    const threshold = options.reviewThreshold ?? 0;
    const claimed = new Set<string>();
    const madeDirs = new Set<string>();
    let seq = 0;
    const result: SortResult = { sorted: 0, unchanged: 0, skippedErrors: 0, dest, journal: journalFile, classCounts: {} };
    const moved = new Map<string, string>();
    let failure: unknown;
    try {
      let i = 0;
      for (const r of records) {
        options.onProgress?.(i++, records.length);
        if (options.signal?.aborted) break;
        if (r.error) {
          result.skippedErrors++;
          continue;
        }
        const group = r.reviewed ? r.reviewed.label : threshold > 0 && (r.score ?? 0) < threshold ? REVIEW_GROUP : r.label!;
        const dir = path.join(dest, classFolderName(group));
        const from = recordFile(folder, r.path)!;
        if (path.dirname(from) === dir) {
          result.unchanged++;
          continue;
        }
        if (!(await exists(from))) {
          result.unchanged++;
          continue;
        }
        if (!madeDirs.has(dir)) {
          // Record each folder we create (outermost first), so undo can remove it again.
          const missing: string[] = [];
          for (let d = dir; !(await exists(d)); d = path.dirname(d)) missing.unshift(d);
          for (const d of missing) {
            const op: JournalOp = { kind: 'op', seq: ++seq, op: 'mkdir', from: '', to: d };
            await write(op, false);
            await mkdir(d);
            await write({ kind: 'done', seq: op.seq }, false);
          }
          madeDirs.add(dir);
        }
        const to = await freeName(dir, path.basename(from), claimed);
        const op: JournalOp = { kind: 'op', seq: ++seq, op: options.mode, from, to };
        await write(op, options.mode === 'move');
        if (options.mode === 'move') await moveFile(from, to);
        else await copyPreserving(from, to);
        await write({ kind: 'done', seq: op.seq }, false);
        result.sorted++;
        result.classCounts[group] = (result.classCounts[group] ?? 0) + 1;
        if (options.mode === 'move') moved.set(r.path, to);
      }
    } catch (err) {
      // Files already moved keep their labels below, before the error is reported.
      failure = err;
    }
    try {
      // Moved files keep their labels (and reviews): point the records at the new paths,
      // so a rerun recognises them as unchanged.
      if (moved.size && isWithin(folder, dest)) {
        const rename = new Map<string, string>();
        for (const [from, to] of moved) rename.set(from, toPosixRel(folder, to));
        await write({ kind: 'labels', rewritten: true }, true);
        await remapLabelsFiles(labelsFiles, rename, records);
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

export interface UndoResult {
  journal: string | undefined;
  restored: number;
  /** What could not be restored: the journal stays, so Undo can be retried once they are fixed. */
  problems: string[];
  /** Worth saying but not blocking (e.g. a class folder kept because the user added files to it). */
  warnings: string[];
}

async function latestJournal(folder: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(sortsDir(folder));
  } catch {
    return undefined;
  }
  const open = names.filter((n) => n.endsWith('.jsonl') && !n.endsWith('.undone.jsonl')).sort();
  return open.length ? path.join(sortsDir(folder), open[open.length - 1]) : undefined;
}

export async function hasUndoableSort(folder: string): Promise<boolean> {
  return (await latestJournal(path.resolve(folder))) !== undefined;
}

export async function undoLastSort(folderArg: string): Promise<UndoResult> {
  const folder = path.resolve(folderArg);
  const lock = await acquireLock(folder, 'undoing a sort');
  try {
    const file = await latestJournal(folder);
    if (!file) return { journal: undefined, restored: 0, problems: ['there is no sort to undo in this folder'], warnings: [] };
    const lines: JournalLine[] = [];
    for (const l of (await readFile(file, 'utf8')).split('\n')) {
      if (!l) continue;
      try {
        lines.push(JSON.parse(l));
      } catch {
        // torn last line of a crashed sort: that operation never started
      }
    }
    const header = lines.find((l): l is JournalHeader => l.kind === 'header');
    if (!header) throw new Error(`${file} is not a sort journal`);
    // The same folder, however it was spelled (a symlink, a different working directory).
    const real = (p: string) => realpath(p).catch(() => path.resolve(p));
    if ((await real(header.folder)) !== (await real(folder))) throw new Error(`${file} is the journal of another folder (${header.folder}); not undoing it`);
    // Its operations are spelled with the folder as the sort saw it.
    const sorted = path.resolve(header.folder);
    const dest = path.resolve(header.dest);
    // A journal is data that may come from elsewhere: every operation must stay inside the sorted
    // folder and its destination, or the whole undo is refused before anything is touched.
    const stray = lines.find(
      (l) =>
        l.kind === 'op' &&
        (l.op === 'mkdir'
          ? !isWithin(dest, l.to) && !isWithin(l.to, dest) // a class folder, or a missing parent of the destination
          : !isWithin(dest, l.to) || !isInside(sorted, l.from)),
    ) as JournalOp | undefined;
    if (stray) throw new Error(`${file} has an operation outside ${sorted} and ${dest} (${stray.op} ${stray.from} -> ${stray.to}); not undoing it`);
    const ops = lines.filter((l): l is JournalOp => l.kind === 'op');
    const done = new Set(lines.filter((l): l is JournalDone => l.kind === 'done').map((l) => l.seq));
    const problems: string[] = [];
    const warnings: string[] = [];
    let restored = 0;
    const movedBack = new Map<string, string>();
    for (const op of [...ops].reverse()) {
      if (op.op === 'mkdir') {
        try {
          await rmdir(op.to);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // Files added to a class folder since the sort are the user's: keep the folder, and still
          // retire the journal (otherwise every later Undo would stop here).
          if (code !== 'ENOENT') warnings.push(`kept folder ${op.to}: it is not empty (${code})`);
        }
        continue;
      }
      const hasTo = await exists(op.to);
      const hasFrom = await exists(op.from);
      if (op.op === 'copy') {
        if (hasTo) {
          // Only a copy that still matches its original is ours to delete.
          if (hasFrom && (await sameFile(op.from, op.to))) {
            await unlink(op.to);
            restored++;
          } else problems.push(`kept ${op.to}: it no longer matches ${op.from}`);
        }
        continue;
      }
      // move
      if (hasTo && !hasFrom) {
        await mkdir(path.dirname(op.from), { recursive: true });
        await moveFile(op.to, op.from);
        movedBack.set(op.to, op.from);
        restored++;
      } else if (hasTo && hasFrom) {
        problems.push(`both ${op.from} and ${op.to} exist now; left both in place`);
      } else if (!hasTo && !hasFrom) {
        problems.push(`${op.from} is missing (moved to ${op.to}, which is gone too)`);
      } else if (done.has(op.seq)) {
        // from exists, to does not: someone already moved it back.
      }
    }
    if (lines.some((l) => l.kind === 'labels') && movedBack.size) {
      const byNew = new Map<string, string>();
      for (const [to, from] of movedBack) {
        byNew.set(toPosixRel(sorted, to), toPosixRel(sorted, from));
      }
      await remapLabelsFiles(header.labelsFiles?.length ? header.labelsFiles : [header.labelsFile], byNew);
    }
    // Only a complete undo retires the journal; with problems it stays, so Undo can be
    // retried once they are fixed (what was restored already is skipped then).
    if (!problems.length) await rename(file, file.replace(/\.jsonl$/, '.undone.jsonl'));
    return { journal: file, restored, problems, warnings };
  } finally {
    await lock.release();
  }
}
