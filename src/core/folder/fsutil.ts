/**
 * File-system helpers with crash safety in mind: atomic replace (temp file in the same
 * folder, fsync, rename over the target, fsync the folder) and a bounded head read.
 */
import { randomInt } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import * as path from 'node:path';

let tmpCounter = 0;

/** Name of a temp file next to `target`; scan() recognises and skips these. */
export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.rcnn-tmp-${process.pid}-${++tmpCounter}${randomInt(1000)}`);
}

/**
 * Writes `target` atomically from chunks: readers see either the old file or the complete
 * new one, never a half-written file, even if the process is killed mid-way.
 */
export async function writeFileAtomic(target: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const tmp = tempNameFor(target);
  const fh = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
  try {
    let buffer = '';
    for await (const chunk of chunks as AsyncIterable<string>) {
      buffer += chunk;
      if (buffer.length >= 1 << 20) {
        await fh.write(buffer);
        buffer = '';
      }
    }
    if (buffer) await fh.write(buffer);
    await fh.sync();
    await fh.close();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some file systems refuse fsync on folders; the rename is still atomic.
  }
}

/** The first `bytes` of a file as UTF-8, or undefined if it does not exist. */
export async function readHead(file: string, bytes = 64 * 1024): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}
