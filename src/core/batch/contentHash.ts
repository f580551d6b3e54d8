/**
 * Content hashes for content-mode reruns (`--content-hash`, `rcnnLens.label.contentHash`):
 * the lower-case hex SHA-256 of a file's bytes, as records carry it in `sha256`.
 *
 * The labeling workers hash the bytes they already read for decoding (labelWorker.ts).
 * The parent hashes only what it must (a file whose mtime changed but whose size did not,
 * on a rerun): streamed in chunks, so the reads run on libuv's thread pool and the event
 * loop only ever does one chunk's hashing at a time (Node has no asynchronous streaming
 * hash; a chunk of 256 KiB takes well under a millisecond).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 256 * 1024;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The SHA-256 of `file`, read in chunks. With `expect`, undefined unless the file still has
 * that size and (floored, as the scan records it) mtime when opened and when read through:
 * a file changing under us has no trustworthy hash. Undefined as well when the file cannot
 * be read; throws only when `signal` aborts.
 */
export async function hashFileContent(
  file: string,
  expect?: { size: number; mtimeMs: number },
  signal?: AbortSignal,
): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const same = async () => {
      if (!expect) return true;
      const st = await fh.stat();
      return st.isFile() && st.size === expect.size && Math.floor(st.mtimeMs) === expect.mtimeMs;
    };
    if (!(await same())) return undefined;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
    if (!(await same())) return undefined;
    return hash.digest('hex');
  } catch (err) {
    if (signal?.aborted) throw err;
    return undefined;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; stops starting new ones after a failure. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
