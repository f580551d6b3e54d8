/**
 * libvips keeps one error buffer for the whole process. When a decode fails while others run (or
 * finish and clear the buffer) in parallel, its error can come back as another file's message or
 * as "Unknown error", so the same broken file got `truncated` in one run and `corrupt` in the next.
 * Decodes therefore run `shared`, and a failed one is tried once more `alone` (no other decode in
 * this process meanwhile): the error it reports is then the file's own, the same in every run.
 * Failures are rare, so waiting for the others to drain costs nothing in a healthy folder.
 */
let active = 0;
let exclusive: Promise<void> | undefined;
let drained: Array<() => void> = [];

async function waitForExclusive(): Promise<void> {
  while (exclusive) await exclusive;
}

export async function shared<T>(fn: () => Promise<T>): Promise<T> {
  await waitForExclusive();
  active++;
  try {
    return await fn();
  } finally {
    active--;
    if (active === 0) {
      const waiting = drained;
      drained = [];
      waiting.forEach((wake) => wake());
    }
  }
}

export async function alone<T>(fn: () => Promise<T>): Promise<T> {
  await waitForExclusive();
  let release!: () => void;
  exclusive = new Promise<void>((resolve) => (release = resolve));
  try {
    while (active > 0) await new Promise<void>((wake) => drained.push(wake));
    return await fn();
  } finally {
    exclusive = undefined;
    release();
  }
}

/** Runs `decode` in parallel with others; if it fails, once more alone, and that outcome stands. */
export async function decodeWithStableError<T>(decode: () => Promise<T>, isOurs: (err: unknown) => boolean): Promise<T> {
  try {
    return await shared(decode);
  } catch (err) {
    // Our own refusals (size limits, empty files) are decided before libvips: no need to retry.
    if (isOurs(err)) throw err;
    return alone(decode);
  }
}
