/**
 * The one object hosts talk to for classification: keeps which model should be loaded,
 * loads it into the worker on first use (never at startup), reloads it transparently
 * after a worker crash, and serialises model changes against running requests.
 */
import type { ClassifyDetail } from '../classify';
import type { ModelDescriptor } from '../runtime/modelSession';
import type { ProviderSetting } from '../runtime/providers';
import { WorkerClient, type WorkerClientOptions } from './workerClient';

export interface ModelChoice {
  modelPath: string;
  provider: ProviderSetting;
}

export interface ClassifyRequestOptions {
  topK: number;
  full: boolean;
  maxPixels?: number;
}

export class InferenceService {
  private readonly client: WorkerClient;
  private choice: ModelChoice | undefined;
  private loaded: { choice: ModelChoice; generation: number; descriptor: Promise<ModelDescriptor> } | undefined;

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

  /** Loads the chosen model if needed and returns its description. */
  ensureModel(): Promise<ModelDescriptor> {
    const choice = this.choice;
    if (!choice) return Promise.reject(new Error('no model has been chosen'));
    const current = this.loaded;
    if (
      current &&
      current.choice.modelPath === choice.modelPath &&
      current.choice.provider === choice.provider &&
      current.generation === this.client.generation &&
      this.client.pid !== undefined
    ) {
      return current.descriptor;
    }
    const descriptor = this.client.request({ kind: 'load', modelPath: choice.modelPath, provider: choice.provider });
    const entry = { choice, generation: this.client.generation, descriptor };
    this.loaded = entry;
    // A failed load must not be cached: the user may fix the file and try again.
    descriptor.catch(() => {
      if (this.loaded === entry) this.loaded = undefined;
    });
    return descriptor;
  }

  async classify(path: string, options: ClassifyRequestOptions): Promise<{ detail: ClassifyDetail; model: ModelDescriptor }> {
    const model = await this.ensureModel();
    const detail = await this.client.request({ kind: 'classify', path, ...options });
    return { detail, model };
  }

  /** A PNG of an image for display where the webview cannot decode the format itself. */
  preview(path: string, maxSide: number, maxPixels?: number): Promise<{ png: Uint8Array; width: number; height: number }> {
    return this.client.request({ kind: 'preview', path, maxSide, maxPixels });
  }

  dispose(): void {
    this.client.dispose();
  }
}
