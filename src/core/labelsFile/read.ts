/**
 * Reading labels files from disk, and telling ours from a file of the user's. Everything that
 * reads a labels file (a rerun, sort, undo, review) comes through here.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { readHead } from '../folder/fsutil';
import { breathe } from '../util/breathe';
import type { OutputSpec } from './outputs';
import { type LabelFormat, type LabelRecord, looksLikeOurs, parseJsonLine, parseLabelsTextSliced, toJsonLine } from './records';

export class ForeignOutputError extends Error {
  constructor(readonly file: string) {
    super(`${file} already exists and was not written by RCNN Lens; refusing to overwrite it (choose another output file, or force)`);
    this.name = 'ForeignOutputError';
  }
}

/** The records of an existing labels file of ours; none for a missing file or one that is not ours. */
export async function readLabelsFile(file: string, format: LabelFormat): Promise<LabelRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  if (!looksLikeOurs(text.slice(0, 65536), format)) return [];
  // In slices, yielding between them (CSV too), so a 100k-record file does not block the host.
  return parseLabelsTextSliced(text, format, breathe);
}

/**
 * Only the human-reviewed records of a labels file (as JSON lines, by path): what a --full run keeps.
 * A JSONL file is streamed and only lines that mention a review are parsed, so a 100,000-record
 * file costs neither its size in memory nor 100,000 parses.
 */
export async function readReviewedRecords(output: OutputSpec): Promise<Map<string, string>> {
  const kept = new Map<string, string>();
  if (output.format === 'csv') {
    for (const r of await readLabelsFile(output.file, output.format)) if (r.reviewed) kept.set(r.path, toJsonLine(r));
    return kept;
  }
  const head = await readHead(output.file);
  if (head === undefined || !looksLikeOurs(head, output.format)) return kept;
  const lines = createInterface({ input: createReadStream(output.file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    if (++n % 2000 === 0) await breathe();
    if (!line.includes('"reviewed"')) continue;
    const r = parseJsonLine(line);
    if (r?.reviewed) kept.set(r.path, toJsonLine(r));
  }
  return kept;
}

/** Throws ForeignOutputError for an output file that exists and is not ours (unless forced). */
export async function assertWritableOutputs(outputs: readonly OutputSpec[], force = false): Promise<void> {
  if (force) return;
  for (const o of outputs) {
    const head = await readHead(o.file);
    if (head !== undefined && !looksLikeOurs(head, o.format)) throw new ForeignOutputError(o.file);
  }
}
