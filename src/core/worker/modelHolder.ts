/**
 * The worker's one loaded model. Loads run one after another, in the order they were asked
 * for, so two overlapping loads cannot race (the slower finishing last and silently winning
 * while the host believes the other is loaded). A classification names the model it expects;
 * it waits for loads already asked for and is refused when another model is loaded.
 * Node-only and free of native imports, so it can be tested with stand-in models.
 */
import type { ErrorCode } from '../../shared/errorCodes';

/** Which model answered: the file and the first 16 hex digits of its SHA-256. */
export interface ModelIdentity {
  path: string;
  hash: string;
}

export function sameModel(a: ModelIdentity, b: ModelIdentity): boolean {
  return a.path === b.path && a.hash === b.hash;
}

/** The worker holds a different model from the one the host asked for. */
export class ModelMismatchError extends Error {
  override name = 'ModelMismatchError';
  readonly errorCode: ErrorCode = 'model_mismatch';
}

export interface HeldModel {
  readonly descriptor: ModelIdentity;
  release(): Promise<void>;
}

export class ModelHolder<M extends HeldModel> {
  private current: M | undefined;
  private loads: Promise<unknown> = Promise.resolve();

  /** Loads a model (by calling `open`) after every load asked for before it, then frees the one it replaces. */
  async load(open: () => Promise<M>): Promise<M['descriptor']> {
    const turn = this.loads.then(async () => {
      const next = await open();
      const previous = this.current;
      this.current = next;
      return { next, previous };
    });
    this.loads = turn.catch(() => undefined);
    const { next, previous } = await turn;
    // Outside the queue: freeing waits for classifications still using the old model,
    // which must not hold up the next load.
    await previous?.release();
    return next.descriptor;
  }

  /**
   * Calls `fn` with the loaded model once the loads asked for so far are done; `fn` is
   * called synchronously after the check, so it can take its hold on the model (see
   * LoadedModel.acquire) before anything else can swap it out.
   */
  async use<T>(expected: ModelIdentity | undefined, fn: (model: M) => Promise<T>): Promise<T> {
    await this.loads;
    const model = this.current;
    if (!model) throw new Error('no model is loaded in the worker');
    if (expected && !sameModel(expected, model.descriptor)) {
      throw new ModelMismatchError(
        `the worker has ${model.descriptor.path} (${model.descriptor.hash}) loaded, not the requested ${expected.path} (${expected.hash})`,
      );
    }
    return fn(model);
  }
}
