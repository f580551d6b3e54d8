/**
 * What the explanation maths asks of a model: "with these cells removed, how sure are you
 * of the class?". Each entry of `removed` is a set of timesteps; the answer holds the chosen
 * class's probability and logit for each set, in the same order. The model-backed
 * implementation (modelEvaluator.ts) batches the runs; tests pass hand-made functions.
 */
import type { ErrorCode } from '../../shared/errorCodes';

export interface ClassScores {
  probability: Float32Array;
  logit: Float32Array;
}

export type Evaluate = (removed: ReadonlyArray<readonly number[]>) => Promise<ClassScores>;

/** Raised between batches when the caller cancelled. */
export class ExplainCancelledError extends Error {
  override name = 'ExplainCancelledError';
  readonly errorCode: ErrorCode = 'cancelled';
  constructor() {
    super('the explanation was cancelled');
  }
}

export interface CancelSignal {
  readonly aborted: boolean;
}

export function throwIfCancelled(signal: CancelSignal | undefined): void {
  if (signal?.aborted) throw new ExplainCancelledError();
}
