/**
 * Sort journals (`<folder>/.rcnn-lens/sorts/<time>.jsonl`): what a sort writes before and
 * after each operation, and what undo believes of one. A journal is data that may come
 * from elsewhere (a cloned repository), so before undo touches anything its header is
 * checked against what this machine knows (the folder the user named; a destination that
 * is the folder or `<folder>-sorted`, or one this machine sealed) and every operation
 * against the class-folder layout. Anything else refuses the whole journal, naming it.
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { isClassFolderName } from './classFolders';
import { isSealedHere } from './journalSeal';
import { STATE_DIR, isInside, recordPath } from '../folder/safePath';

export interface JournalHeader {
  kind: 'header';
  version: 1;
  folder: string;
  dest: string;
  mode: 'copy' | 'move';
  labelsFile: string;
  /** Every labels file rewritten to follow moves (the last run's outputs, e.g. JSONL and CSV); absent in old journals. */
  labelsFiles?: string[];
  /** The run crossed symbolic links (real paths still stay inside the folder and destination). */
  followSymlinks?: boolean;
  startedAt: string;
  /** This machine's HMAC of the other fields (journalSeal.ts); absent in old journals. */
  seal?: string;
}
export interface JournalOp {
  kind: 'op';
  seq: number;
  op: 'copy' | 'move' | 'mkdir';
  from: string;
  to: string;
}
export interface JournalDone {
  kind: 'done';
  seq: number;
}
export type JournalLine = JournalHeader | JournalOp | JournalDone | { kind: 'labels'; rewritten: true } | { kind: 'complete' };

export const REVIEW_GROUP = '_review';

export function sortsDir(folder: string): string {
  return path.join(folder, STATE_DIR, 'sorts');
}

/** The newest journal not yet undone. */
export async function latestJournal(folder: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(sortsDir(folder));
  } catch {
    return undefined;
  }
  const open = names.filter((n) => n.endsWith('.jsonl') && !n.endsWith('.undone.jsonl')).sort();
  return open.length ? path.join(sortsDir(folder), open[open.length - 1]) : undefined;
}

export interface CheckedJournal {
  header: JournalHeader;
  /** The folder as the sort spelled it (its operations use this spelling). */
  sorted: string;
  dest: string;
  ops: JournalOp[];
  done: Set<number>;
  labelsRewritten: boolean;
  /** Labels files undo may rewrite. */
  labelsFiles: string[];
  /** This machine wrote the header (so its destination and labels files are the user's choices). */
  sealed: boolean;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && !v.includes('\0');

function parseLines(text: string): JournalLine[] {
  const lines: JournalLine[] = [];
  for (const l of text.split('\n')) {
    if (!l) continue;
    try {
      const v = JSON.parse(l);
      if (v && typeof v === 'object' && !Array.isArray(v)) lines.push(v);
    } catch {
      // torn last line of a crashed sort: that operation never started
    }
  }
  return lines;
}

function isOp(l: JournalLine): l is JournalOp {
  return l.kind === 'op';
}

/** Why `op` falls outside what a sort of `sorted` into `dest` can do, or undefined. */
function strayReason(op: JournalOp, sorted: string, dest: string, sealed: boolean): string | undefined {
  if (!Number.isInteger(op.seq) || !['copy', 'move', 'mkdir'].includes(op.op) || !isString(op.to)) return 'a malformed operation';
  const to = path.resolve(op.to);
  const inClassFolder = (p: string) => path.dirname(p) === dest && isClassFolderName(path.basename(p));
  if (op.op === 'mkdir') {
    // A class folder, the destination itself, or (sealed only) a missing parent of the user's destination.
    if (inClassFolder(to) || to === dest || (sealed && isInside(to, dest))) return undefined;
    return `mkdir ${to} is not a class folder of ${dest}`;
  }
  if (!isString(op.from) || !recordPath(sorted, path.relative(sorted, path.resolve(op.from)).split(path.sep).join('/'))) {
    return `${op.op} from ${op.from} is outside ${sorted}`;
  }
  if (!inClassFolder(path.dirname(to))) return `${op.op} to ${to} is outside the class folders of ${dest}`;
  return undefined;
}

/** Reads and checks a journal; throws (naming it) when undo must not believe it. */
export async function checkJournal(file: string, folder: string): Promise<CheckedJournal> {
  const lines = parseLines(await readFile(file, 'utf8'));
  const header = lines.find((l): l is JournalHeader => l.kind === 'header');
  if (!header || !isString(header.folder) || !isString(header.dest) || (header.mode !== 'copy' && header.mode !== 'move')) {
    throw new Error(`${file} is not a sort journal`);
  }
  // The same folder, however it was spelled (a symlink, a different working directory).
  const real = (p: string) => realpath(p).catch(() => path.resolve(p));
  if ((await real(header.folder)) !== (await real(folder))) throw new Error(`${file} is the journal of another folder (${header.folder}); not undoing it`);
  const sorted = path.resolve(header.folder);
  const dest = path.resolve(header.dest);
  const sealed = await isSealedHere(header as unknown as Record<string, unknown>);
  if (!sealed && dest !== sorted && dest !== `${sorted}-sorted`) {
    throw new Error(
      `${file} names the destination ${dest}, which is neither the folder nor ${sorted}-sorted, and this machine did not write that journal ` +
        `(a --sort-dest sort can only be undone where it ran); not undoing it`,
    );
  }
  const claimed = header.labelsFiles?.length ? header.labelsFiles : [header.labelsFile];
  if (!Array.isArray(claimed) || !claimed.every(isString)) throw new Error(`${file} has a malformed list of labels files; not undoing it`);
  const labelsFiles = claimed.map((f) => path.resolve(f));
  const strayLabels = labelsFiles.find((f) => !sealed && !isInside(sorted, f));
  if (strayLabels) throw new Error(`${file} names a labels file outside ${sorted} (${strayLabels}); not undoing it`);
  const ops = lines.filter(isOp);
  for (const op of ops) {
    const reason = strayReason(op, sorted, dest, sealed);
    if (reason) throw new Error(`${file} has an operation outside ${sorted} and the class folders of ${dest}: ${reason}; not undoing it`);
  }
  const done = new Set(lines.filter((l): l is JournalDone => l.kind === 'done').map((l) => l.seq));
  return { header, sorted, dest, ops, done, labelsRewritten: lines.some((l) => l.kind === 'labels'), labelsFiles, sealed };
}

