/**
 * Review corrections are written in batches (one atomic rewrite of the labels file covers
 * every key press since the last), yet each request learns the fate of its own changes:
 * it settles when the write that took them has finished, and fails if that write failed
 * or the file no longer holds one of its paths. No vscode import, so it is testable.
 */
import * as path from 'node:path';
import type { ReviewChange, ReviewOutcome } from '../../core/batch/review';

/** Some changes named records the labels file no longer holds (a Move sort renames paths): they were not saved. */
export class UnknownReviewPathsError extends Error {
  constructor(
    readonly paths: readonly string[],
    labelsFile: string,
  ) {
    super(
      `${paths.length === 1 ? paths[0] : `${paths.length} images`} ${paths.length === 1 ? 'is' : 'are'} no longer in ${path.basename(labelsFile)} (moved by a sort?)`,
    );
    this.name = 'UnknownReviewPathsError';
  }
}

interface QueuedRequest {
  changes: ReviewChange[];
  resolve(saved: number): void;
  reject(err: Error): void;
}

export type WriteReviewBatch = (changes: ReviewChange[]) => Promise<ReviewOutcome>;

export class ReviewWriteQueue {
  private waiting: QueuedRequest[] = [];
  /** The flushes, one after another; never rejects. */
  private flushes: Promise<void> = Promise.resolve();

  constructor(
    private readonly labelsFile: string,
    private readonly writeBatch: WriteReviewBatch,
  ) {}

  /** Resolves with how many of these changes were saved, once the batch that took them is written. */
  enqueue(changes: ReviewChange[]): Promise<number> {
    const settled = new Promise<number>((resolve, reject) => this.waiting.push({ changes, resolve, reject }));
    // A flush takes everything waiting when it starts, so a later flush may find nothing left.
    this.flushes = this.flushes.then(() => this.flush());
    return settled;
  }

  /** Runs `task` once every correction queued so far is written (a move must not overtake them). */
  afterWrites<T>(task: () => Promise<T>): Promise<T> {
    const run = this.flushes.then(task);
    this.flushes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0);
    if (!batch.length) return;
    let outcome: ReviewOutcome;
    try {
      outcome = await this.writeBatch(batch.flatMap((r) => r.changes));
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      for (const r of batch) r.reject(error);
      return;
    }
    const unknown = new Set(outcome.unknownPaths);
    for (const r of batch) {
      const lost = r.changes.filter((c) => unknown.has(c.path)).map((c) => c.path);
      if (lost.length) r.reject(new UnknownReviewPathsError(lost, this.labelsFile));
      else r.resolve(r.changes.length);
    }
  }
}
