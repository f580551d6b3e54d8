/**
 * The run journal (`.rcnn-lens/<out>.partial.jsonl` next to the output): every record labeled in
 * this run is appended as it completes, so a cancelled or killed run leaves its results behind
 * and the next run resumes from them. Lines labeled in this run stay in the journal and only
 * their byte offset and length are kept in memory (flat memory for big folders).
 */
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { STATE_DIR, O_NOFOLLOW, assertSafePath, isWithin } from '../folder/safePath';
import type { ScanList } from '../folder/scanList';
import { CSV_HEADER, type LabelFormat, lineInFormat } from '../labelsFile/records';

/** Where the journal of an output lives. */
export function journalPath(output: string): string {
  return path.join(path.dirname(output), STATE_DIR, `${path.basename(output)}.partial.jsonl`);
}

/** The lines of an interrupted run's journal; none when there is no journal. */
export async function readJournalLines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n');
  } catch {
    return [];
  }
}

/**
 * Where each file's record is: lines reused from before are kept as strings (`kept`, by path);
 * lines labeled in this run are at `offset[i]` in the journal, `length[i]` bytes with the newline.
 */
export class RecordStore {
  readonly offset: Float64Array;
  readonly length: Uint32Array;
  constructor(size: number, readonly kept = new Map<string, string>()) {
    this.offset = new Float64Array(size).fill(-1);
    this.length = new Uint32Array(size);
  }
}

/** The journal open for appending; writes are serialised so each line's offset is known. */
export class JournalWriter {
  private chain: Promise<unknown> = Promise.resolve();
  private constructor(private readonly handle: FileHandle, private end: number) {}

  /** Opens (truncating for a full run) the journal inside `folder`, ending a torn last line first. */
  static async open(folder: string, file: string, truncate: boolean): Promise<JournalWriter> {
    await mkdir(path.dirname(file), { recursive: true });
    if (isWithin(folder, file)) await assertSafePath(folder, file, 'run journal');
    const flags = (truncate ? constants.O_TRUNC : constants.O_APPEND) | constants.O_CREAT | constants.O_WRONLY | O_NOFOLLOW;
    const handle = await open(file, flags);
    let end = (await handle.stat()).size;
    // A killed run can leave a torn last line: end it, or the first new record would be glued onto it.
    if (end > 0 && (await lastByte(file, end)) !== 0x0a) {
      await handle.write('\n');
      end++;
    }
    return new JournalWriter(handle, end);
  }

  /**
   * Appends `lines` after every earlier append; `place(start)` is told the byte offset where they
   * will start (before they are written) and returns where they end.
   */
  append(lines: string, place: (start: number) => number): Promise<void> {
    const write = this.chain.then(async () => {
      const end = place(this.end);
      await this.handle.write(lines);
      this.end = end;
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Waits for the writes under way, then closes. */
  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}

async function lastByte(file: string, size: number): Promise<number> {
  const last = Buffer.alloc(1);
  const tail = await open(file, 'r');
  try {
    await tail.read(last, 0, 1, size - 1);
  } finally {
    await tail.close();
  }
  return last[0];
}

/** Records of the folder's files in scan order, as lines of the given format. */
export async function* renderLines(order: ScanList, store: RecordStore, journalFile: string, format: LabelFormat): AsyncGenerator<string> {
  if (format === 'csv') yield CSV_HEADER + '\n';
  const asLine = (line: string) => lineInFormat(line, format) + '\n';
  const fh = await open(journalFile, 'r').catch(() => undefined);
  try {
    let chunk = '';
    // Journal lines come back in runs of adjacent bytes (batches complete almost in scan
    // order): read a run at once, up to 1 MiB.
    let i = 0;
    while (i < order.length) {
      const off = store.offset[i];
      if (off < 0) {
        const line = store.kept.get(order.rel(i));
        if (line) chunk += asLine(line);
        i++;
      } else {
        let j = i;
        let end = off;
        while (j < order.length && store.offset[j] === end && end - off < 1 << 20) {
          end += store.length[j];
          j++;
        }
        const buf = Buffer.alloc(end - off);
        await fh!.read(buf, 0, buf.length, off);
        let pos = 0;
        for (let k = i; k < j; k++) {
          chunk += asLine(buf.toString('utf8', pos, pos + store.length[k] - 1)); // without its newline
          pos += store.length[k];
        }
        i = j;
      }
      if (chunk.length > 256 * 1024) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  } finally {
    await fh?.close();
  }
}
