/**
 * A model file other than the current one, for one side of a comparison: loaded in a worker
 * process of its own (so the current model, and the classify panels using it, are untouched),
 * with the provider settings the current model uses. Disposing it stops that worker.
 */
import * as path from 'node:path';
import type { ClassifyDetail } from '../../core/classify';
import type { ModelDescriptor } from '../../core/runtime/modelSession';
import { InferenceService } from '../../core/worker/inferenceService';
import type { ExtensionServices } from '../services';
import { cudaLibrarySetting, maxPixelsSetting, providerSetting } from '../settings';

export interface SideClassification {
  detail: ClassifyDetail;
  model: ModelDescriptor;
  modelLoadMs?: number;
}

export class OtherModel {
  private readonly service: InferenceService;

  constructor(
    services: ExtensionServices,
    readonly modelPath: string,
  ) {
    this.service = new InferenceService(services.workerScript, { log: (line) => services.output.info(`compare (${path.basename(modelPath)}): ${line}`) });
    this.service.setModel({ modelPath, provider: providerSetting(), cudaLibs: cudaLibrarySetting() });
  }

  /** Loads and checks the model against the contract; rejects with the worker's coded error. */
  load(): Promise<ModelDescriptor> {
    return this.service.ensureModel();
  }

  async classify(imagePath: string, topK: number): Promise<SideClassification> {
    const started = performance.now();
    await this.service.ensureModel();
    const loadMs = performance.now() - started;
    const { detail, model } = await this.service.classify(imagePath, { topK, full: true, maxPixels: maxPixelsSetting() });
    return { detail, model, modelLoadMs: loadMs > 1 ? loadMs : undefined };
  }

  async previewDataUrl(imagePath: string): Promise<string> {
    const { png } = await this.service.preview(imagePath, 1280, maxPixelsSetting());
    return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
  }

  dispose(): void {
    this.service.dispose();
  }
}
