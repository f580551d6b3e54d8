/**
 * The one object hosts talk to for classification: keeps which model should be loaded,
 * loads it into the worker on first use (never at startup), reloads it transparently
 * after a worker crash, and serialises model changes against running requests.
 */
import type { ClassifyDetail } from '../classify';
import { ExplainCancelledError } from '../explain/evaluator';
import type { ExplainedImage } from '../explain/explainFile';
import type { ExplainMethod } from '../explain/methods';
import type { OcclusionWindow } from '../explain/windows';
import type { ModelDescriptor } from '../runtime/modelSession';
import type { ProviderSetting } from '../runtime/providers';
import { CUDA_LIBS_ENV } from '../runtime/cudaLibraries';
import { fileStamp } from '../util/fileStamp';
import { sameModel } from './modelHolder';
import { WorkerClient, type WorkerClientOptions } from './workerClient';
import { WorkerError } from './workerProtocol';

export interface ModelChoice {
  modelPath: string;
  provider: ProviderSetting;
  /** A folder with onnxruntime's CUDA libraries (rcnnLens.cuda.libraryPath); see cudaLibraries.ts. */
  cudaLibs?: string;
}

export interface ClassifyRequestOptions {
  topK: number;
  full: boolean;
  maxPixels?: number;
}

export interface ExplainRequestOptions {
  methods: ExplainMethod[];
  window: OcclusionWindow;
  classLabel?: string;
  maxPixels?: number;
  onProgress?: (done: number, total: number) => void;
}

/** An explanation may run for seconds on a loaded machine; progress shows it is alive. */
const EXPLAIN_TIMEOUT_MS = 600_000;

export class InferenceService {
  private nextExplainJob = 1;
  /** Explain jobs waiting for the model, not yet sent: a cancel for one of them is settled here. */
  private readonly explainsNotSent = new Set<number>();

  private readonly client: WorkerClient;
  private choice: ModelChoice | undefined;
  private loaded: { choice: ModelChoice; file: string; generation: number; descriptor: Promise<ModelDescriptor> } | undefined;

  constructor(workerScript: string, options: WorkerClientOptions = {}) {
    this.client = new WorkerClient(workerScript, options);
  }

  /** Sets the model to use; it is loaded on the next request. */
  setModel(choice: ModelChoice): void {
    this.choice = choice;
  }

  get workerPid(): number | undefined {
    return this.client.pid;
  }

  /**
   * Loads the chosen model if needed and returns its description. The file's size and
   * modification time are part of what "the same model" means, so a model re-exported in
   * place at the same path is loaded again.
   */
  async ensureModel(): Promise<ModelDescriptor> {
    const choice = this.choice;
    if (!choice) throw new Error('no model has been chosen');
    this.client.setProcessEnv(choice.cudaLibs ? { [CUDA_LIBS_ENV]: choice.cudaLibs } : {});
    // '' when the file cannot be examined: the load will say why.
    const file = await fileStamp(choice.modelPath).catch(() => '');
    // Checked and set with no await in between, so concurrent callers share one load.
    const current = this.loaded;
    if (
      current &&
      current.choice.modelPath === choice.modelPath &&
      current.choice.provider === choice.provider &&
      current.file === file &&
      current.generation === this.client.generation &&
      this.client.pid !== undefined
    ) {
      return current.descriptor;
    }
    const descriptor = this.client.request({ type: 'load', modelPath: choice.modelPath, provider: choice.provider });
    const entry = { choice, file, generation: this.client.generation, descriptor };
    this.loaded = entry;
    // A failed load must not be cached: the user may fix the file and try again.
    descriptor.catch(() => {
      if (this.loaded === entry) this.loaded = undefined;
    });
    return descriptor;
  }

  /**
   * Classifies with the chosen model. The request names the model it expects and the reply
   * names the model that answered; if the worker holds another one (its model changed under
   * us), the model is loaded again and the request retried once, never answered by the
   * wrong model.
   */
  async classify(path: string, options: ClassifyRequestOptions): Promise<{ detail: ClassifyDetail; model: ModelDescriptor }> {
    for (let attempt = 0; ; attempt++) {
      const model = await this.ensureModel();
      const expected = { path: model.path, hash: model.hash };
      let problem: string;
      try {
        const reply = await this.client.request({ type: 'classify', path, ...options, model: expected });
        const { model: answered, ...detail } = reply;
        if (answered && sameModel(answered, expected)) return { detail, model };
        problem = answered
          ? `the worker answered with ${answered.path} (${answered.hash}), not the requested ${expected.path} (${expected.hash})`
          : 'the worker did not say which model answered';
      } catch (err) {
        if (!(err instanceof WorkerError && err.errorCode === 'model_mismatch')) throw err;
        problem = err.message;
      }
      // Whatever we believed was loaded is not: forget it so ensureModel loads it again.
      this.loaded = undefined;
      if (attempt >= 1) throw new Error(`cannot classify ${path} with ${expected.path}: ${problem}`);
    }
  }

  /**
   * Explains an image with the chosen model in the worker (never on the caller's thread).
   * `job` names it for cancelExplain; the model that answered must be the one expected.
   */
  async explain(path: string, options: ExplainRequestOptions, job = this.nextExplainJob++): Promise<{ image: ExplainedImage; model: ModelDescriptor }> {
    this.explainsNotSent.add(job);
    const model = await this.ensureModel().catch((err: unknown) => {
      this.explainsNotSent.delete(job);
      throw err;
    });
    // Gone already when cancelExplain took it while the model loaded.
    if (!this.explainsNotSent.delete(job)) throw new ExplainCancelledError();
    const expected = { path: model.path, hash: model.hash };
    const { onProgress, ...rest } = options;
    const reply = await this.client.request({ type: 'explain', job, path, ...rest, model: expected }, EXPLAIN_TIMEOUT_MS, onProgress);
    const { model: answered, ...image } = reply;
    if (!answered || !sameModel(answered, expected)) throw new Error(`the worker explained ${path} with another model than ${expected.path}`);
    return { image, model };
  }

  /** A fresh job number for explain (so the caller can cancel it). */
  newExplainJob(): number {
    return this.nextExplainJob++;
  }

  /** Asks the worker to stop an explanation; it then fails with the code `cancelled`. */
  async cancelExplain(job: number): Promise<void> {
    if (this.explainsNotSent.delete(job)) return;
    await this.client.request({ type: 'cancelExplain', job });
  }

  /** A PNG of an image for display where the webview cannot decode the format itself. */
  preview(path: string, maxSide: number, maxPixels?: number): Promise<{ png: Uint8Array; width: number; height: number }> {
    return this.client.request({ type: 'preview', path, maxSide, maxPixels });
  }

  dispose(): void {
    this.client.dispose();
  }
}
