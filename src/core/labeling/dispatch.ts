/**
 * Sending the files to label to the workers: how many images each message carries, how many
 * messages are in flight at once, and the rate and ETA the progress shows.
 */

/** The most images a message to a labeling worker carries when the model's batch is smaller (see messageSize). */
export const MAX_MESSAGE_IMAGES = 64;
/**
 * A message grows past one model batch only while its files and their decoded input (what the
 * worker holds for it) add up to at most this many bytes.
 */
export const MAX_MESSAGE_BYTES = 2 << 20;

/**
 * How many images the next message to a worker carries: whole model batches, up to
 * MAX_MESSAGE_IMAGES, for small files (each message costs the parent a round trip, a journal
 * write and a wake-up: on 10,000 tiny images, 16-image messages spent 0.4 CPU-s more in the
 * parent than 64-image ones), but one model batch for big files or a big model input (a
 * worker holds a message's files and their decoded input in memory; photo-sized files gain
 * nothing from fewer messages) and near the end (so that no worker idles while another works
 * through a large last message). `fileBytes(k)` is the size of the k-th file not yet sent;
 * `inputBytes` what one decoded image takes (4 × C × H × W).
 */
export function messageSize(batchSize: number, remaining: number, inFlight: number, fileBytes: (k: number) => number, inputBytes = 0): number {
  const one = Math.min(remaining, batchSize);
  if (remaining <= MAX_MESSAGE_IMAGES * inFlight * 2) return one;
  let bytes = one * inputBytes;
  for (let k = 0; k < one; k++) bytes += fileBytes(k);
  let n = one;
  while (n + batchSize <= Math.min(remaining, MAX_MESSAGE_IMAGES)) {
    bytes += batchSize * inputBytes;
    for (let k = n; k < n + batchSize; k++) bytes += fileBytes(k);
    if (bytes > MAX_MESSAGE_BYTES) break;
    n += batchSize;
  }
  return n;
}

export interface DispatchOptions {
  /** Entry indices to label, in the order to send them. */
  todo: readonly number[];
  /** Messages in flight at once (two per worker keeps one decoding while the other runs the model). */
  maxInFlight: number;
  /** How many of the entries from position `i` of `todo` the next message carries. */
  sizeAt: (i: number) => number;
  /** Labels one message's entries; a rejection stops the sending and is rethrown after the rest settle. */
  handle: (batch: number[]) => Promise<void>;
  signal?: AbortSignal;
}

/** Sends every entry of `todo`, keeping up to `maxInFlight` messages under way; stops early on abort. */
export async function dispatchAll(o: DispatchOptions): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  for (let i = 0, size = 0; i < o.todo.length && !failure; i += size) {
    if (o.signal?.aborted) break;
    size = o.sizeAt(i);
    const p = o.handle(o.todo.slice(i, i + size)).catch((err) => {
      failure ??= err;
    });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    if (inFlight.size >= o.maxInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure && !o.signal?.aborted) throw failure;
}

/** Images per second over a sliding window of the last ~5 s of completions, and the ETA it gives. */
export class RateMeter {
  private readonly window: Array<{ t: number; n: number }>;
  constructor(now = performance.now()) {
    this.window = [{ t: now, n: 0 }];
  }

  /** After `done` of `total` images: the current rate and the seconds left (undefined while the rate is 0). */
  update(done: number, total: number, now = performance.now()): { rate: number; etaSeconds: number | undefined } {
    this.window.push({ t: now, n: done });
    while (this.window.length > 2 && now - this.window[0].t > 5000) this.window.shift();
    const first = this.window[0];
    const dt = (now - first.t) / 1000;
    const rate = dt > 0 ? (done - first.n) / dt : 0;
    return { rate, etaSeconds: rate > 0 ? (total - done) / rate : undefined };
  }
}
