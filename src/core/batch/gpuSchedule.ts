/**
 * The pure arithmetic of the GPU labeling path (docs/gpu-labeling.md): which providers run
 * on a GPU, how one model batch is split over the decode-only workers, how the decoded rows
 * are put together and compacted for the model, how the model's answers go back to their
 * files, and how much decoding overlapped inference. No processes here.
 */
import type { BatchOutcome } from './workerPool';
import type { InferResultMessage, ItemError } from './workerProtocol';

const GPU_PROVIDERS: ReadonlySet<string> = new Set(['webgpu', 'cuda', 'dml', 'coreml']);

/** Whether a resolved provider runs the model on a GPU (one session, decode elsewhere). */
export function isGpuProvider(provider: string): boolean {
  return GPU_PROVIDERS.has(provider);
}

/** Fewer images than this per decode message cost more in round trips than they gain in parallelism. */
export const MIN_DECODE_CHUNK = 8;

/**
 * Splits `n` images into contiguous [start, end) ranges, one per decode message: as many as
 * there are decoders (fewer when chunks would drop below `minChunk`), sizes differing by at most one.
 */
export function decodeChunks(n: number, decoders: number, minChunk = MIN_DECODE_CHUNK): Array<[number, number]> {
  if (n <= 0) return [];
  const count = Math.max(1, Math.min(decoders, Math.floor(n / Math.max(1, minChunk))));
  const base = Math.floor(n / count);
  const extra = n % count;
  const ranges: Array<[number, number]> = [];
  for (let k = 0, start = 0; k < count; k++) {
    const end = start + base + (k < extra ? 1 : 0);
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** A batch's decode messages, put back together in the batch's order. */
export interface DecodedParts {
  tensor: Float32Array;
  errors: Array<ItemError | null>;
  sha256?: Array<string | null>;
  decodeMs: number;
}

/** Joins the decoders' answers for `ranges` (as decodeChunks made them) into one batch of `n` rows. */
export function joinDecoded(n: number, plane: number, ranges: ReadonlyArray<[number, number]>, parts: readonly BatchOutcome[], contentHash: boolean): DecodedParts {
  const tensor = new Float32Array(n * plane);
  const errors: Array<ItemError | null> = new Array(n).fill(null);
  const sha256 = contentHash ? new Array<string | null>(n).fill(null) : undefined;
  let decodeMs = 0;
  ranges.forEach(([start, end], k) => {
    const part = parts[k];
    if (!part.tensor || part.tensor.length !== (end - start) * plane) throw new Error(`decoder answer ${k} has no tensor of ${end - start} rows`);
    tensor.set(part.tensor, start * plane);
    for (let i = start; i < end; i++) {
      errors[i] = part.errors[i - start] ?? null;
      if (sha256) sha256[i] = part.sha256?.[i - start] ?? null;
    }
    decodeMs += part.decodeMs;
  });
  return { tensor, errors, sha256, decodeMs };
}

/** The rows that decoded, and a tensor of only those (the same array when none failed). */
export function compactDecoded(tensor: Float32Array, errors: ReadonlyArray<ItemError | null>, plane: number): { ok: number[]; input: Float32Array } {
  const ok: number[] = [];
  errors.forEach((e, i) => e || ok.push(i));
  if (ok.length === errors.length) return { ok, input: tensor };
  const input = new Float32Array(ok.length * plane);
  ok.forEach((src, dst) => input.set(tensor.subarray(src * plane, (src + 1) * plane), dst * plane));
  return { ok, input };
}

/** Puts the model's answers for the `ok` rows back at their files: `n` rows of K probabilities; errors are merged into `errors`. */
export function scatterInferred(n: number, K: number, ok: readonly number[], inferred: Pick<InferResultMessage, 'probs' | 'errors'>, errors: Array<ItemError | null>): Float32Array {
  const probs = new Float32Array(n * K);
  ok.forEach((dst, row) => {
    const err = inferred.errors[row];
    if (err) errors[dst] = err;
    else probs.set(inferred.probs.subarray(row * K, (row + 1) * K), dst * K);
  });
  return probs;
}
