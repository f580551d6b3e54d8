/**
 * Loads the model a labeling worker runs: the fp32 model on a GPU provider when the setting
 * names one that works, else the int8 variant on the CPU (see core/model/variants.ts).
 */
import { type LoadOptions, LoadedModel } from './modelSession';
import { NoProviderError, type ProviderSetting } from './providers';

export interface LabelLoadOptions {
  provider: ProviderSetting;
  intraOpThreads?: number;
  /** The int8 variant, used when no GPU provider takes the model. */
  cpuVariantPath?: string;
  /** For `auto`: the batch each provider is timed at (see LoadOptions.measureBatch). */
  measureBatch?: LoadOptions['measureBatch'];
}

export async function loadLabelModel(modelPath: string, options: LabelLoadOptions): Promise<LoadedModel> {
  const { provider, intraOpThreads, cpuVariantPath, measureBatch } = options;
  if (!cpuVariantPath) return LoadedModel.load(modelPath, { provider, intraOpThreads, measureBatch });
  try {
    return await LoadedModel.load(modelPath, { provider, intraOpThreads, measureBatch, gpuOnly: true });
  } catch (err) {
    // A broken model or file fails as it would anyway; only "no GPU provider" falls back to the CPU.
    if (!(err instanceof NoProviderError)) throw err;
    const model = await LoadedModel.load(cpuVariantPath, { provider: 'cpu', intraOpThreads });
    model.descriptor.attempts = [...err.attempts, ...model.descriptor.attempts];
    return model;
  }
}
