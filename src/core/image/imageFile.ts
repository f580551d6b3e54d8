/**
 * The one gate every image passes before its bytes are read, for labeling, classify, the
 * panel's preview and the CLI alike: a regular file (a FIFO would block forever, /dev/zero
 * never ends), no bigger than an image within the pixel limit can be, read once. The file
 * is opened non-blocking and checked on the open descriptor, so a file swapped for a FIFO
 * between a check and the open cannot hang the reader either.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { ImageError, classifyDecodeError } from './imageErrors';

const OPEN_FLAGS = constants.O_RDONLY | ((constants as { O_NONBLOCK?: number }).O_NONBLOCK ?? 0);

/**
 * The most bytes an image within `maxPixels` can need: 16-bit RGBA without compression, plus room
 * for metadata. A bigger file is refused before it is read, so a folder of multi-gigabyte files
 * cannot make a worker run out of memory.
 */
export function maxFileBytes(maxPixels: number): number {
  return Math.min(2 ** 31 - 1, maxPixels * 8 + 16 * 2 ** 20);
}

/** Throws unless `st` is a regular file of a size an image within `maxPixels` can have. */
function checkStats(filePath: string, st: Stats, maxPixels: number): void {
  if (st.isDirectory()) throw new ImageError('unreadable', filePath, 'it is a folder');
  if (!st.isFile()) throw new ImageError('unsupported', filePath, 'not a regular file (a pipe, device or socket)');
  const limit = maxFileBytes(maxPixels);
  if (st.size > limit) {
    throw new ImageError('too_large', filePath, `the file has ${st.size} bytes; an image within ${maxPixels} pixels needs at most ${limit}`);
  }
}

/** The file's bytes, through the gate; synchronous for the labeling workers' hot path. */
export function readImageFileSync(filePath: string, maxPixels: number): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(filePath, OPEN_FLAGS);
    const st = fstatSync(fd);
    checkStats(filePath, st, maxPixels);
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break; // shrank while we read: decode what is there (a truncated file says so)
      got += n;
    }
    return got === st.size ? buf : buf.subarray(0, got);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new ImageError('unreadable', filePath, 'it is a folder');
    throw classifyDecodeError(filePath, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The file's bytes, through the gate, without blocking the thread. */
export async function readImageFile(filePath: string, maxPixels: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(filePath, OPEN_FLAGS);
    const st = await fh.stat();
    checkStats(filePath, st, maxPixels);
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const { bytesRead } = await fh.read(buf, got, st.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === st.size ? buf : buf.subarray(0, got);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new ImageError('unreadable', filePath, 'it is a folder');
    throw classifyDecodeError(filePath, err);
  } finally {
    await fh?.close();
  }
}
