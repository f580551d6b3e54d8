/** The labeling workers failed as a whole (none could start, or they were stopped); see WorkerPool. */
import type { ErrorCode } from '../../shared/messaging';

export class PoolFailedError extends Error {
  /** Why, in the closed set of codes (the worker's, when a worker said why it could not start). */
  readonly errorCode: ErrorCode;
  constructor(message: string, errorCode: ErrorCode = 'worker_crash') {
    super(message);
    this.name = 'PoolFailedError';
    this.errorCode = errorCode;
  }
}
