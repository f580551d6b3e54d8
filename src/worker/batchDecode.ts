/**
 * The decoding half of a labeling worker: a batch of files into one Float32Array of model
 * inputs (row k at k × C×H×W), several images in flight on libuv's thread pool. Shared by the
 * full worker (decode + model, the CPU path) and the decode-only worker of the GPU path.
 */
import { sha256Hex } from '../core/batch/contentHash';
import { decodeBatchInto, decodeInto } from '../core/batch/decode';
import type { DecodeSpec, ItemError } from '../core/batch/workerProtocol';
import type { ImageError } from '../core/image/imageErrors';
import type { LabelWorkerHooks } from './testHooks';

/** A counting semaphore shared by all batches, so decodes overlap across batch boundaries. */
class DecodeSlots {
  private waiters: Array<() => void> = [];
  constructor(private free: number) {}

  resize(n: number): void {
    this.free = Math.max(1, n);
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }

  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.free++;
  }
}

export const decodeSlots = new DecodeSlots(4);

export interface DecodedBatch {
  tensor: Float32Array;
  errors: Array<ItemError | null>;
  /** Content mode: each file's SHA-256, from the very bytes that were decoded (read once). */
  sha256?: Array<string | null>;
  decodeMs: number;
}

export interface DecodeSettings {
  spec: DecodeSpec;
  maxPixels: number;
  contentHash?: boolean;
  hooks: LabelWorkerHooks;
}

/** Decodes `paths`; a file that fails is an error row (its tensor row stays zero). */
export async function decodeBatch(paths: readonly string[], s: DecodeSettings): Promise<DecodedBatch> {
  const { channels, height, width } = s.spec.input;
  const plane = channels * height * width;
  const n = paths.length;
  const tensor = new Float32Array(n * plane);
  const errors: Array<ItemError | null> = new Array(n).fill(null);
  const started = performance.now();
  const sha256 = s.contentHash ? new Array<string | null>(n).fill(null) : undefined;
  const hashRead = sha256 ? (i: number, contents: Buffer) => (sha256[i] = sha256Hex(contents)) : undefined;
  const decodeErrors = await decodeBatchInto(paths, s.spec, s.maxPixels, tensor, async (i, contents) => {
    await decodeSlots.acquire();
    try {
      if (s.hooks.crashes(paths[i])) process.kill(process.pid, 'SIGKILL');
      await decodeInto(paths[i], s.spec, s.maxPixels, tensor, i * plane, contents);
    } finally {
      decodeSlots.release();
    }
  }, hashRead);
  decodeErrors.forEach((err, i) => {
    if (err) errors[i] = { code: err.code, message: describe(err) };
  });
  if (paths.some(s.hooks.crashes)) process.kill(process.pid, 'SIGKILL');
  if (paths.some(s.hooks.hangs)) await new Promise(() => undefined);
  return { tensor, errors, sha256, decodeMs: performance.now() - started };
}

function describe(err: ImageError): string {
  // The path is already in the record; keep the reason.
  return err.message.startsWith(err.filePath + ': ') ? err.message.slice(err.filePath.length + 2) : err.message;
}
