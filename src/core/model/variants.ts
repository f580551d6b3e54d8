/**
 * Which file of a model labels a folder: the fp32 model or its int8 variant, which the
 * exporter writes beside it as `<name>.int8.onnx` (python3 -m training.export --int8).
 *
 * `auto` uses int8 only where it pays: on the CPU provider. The variant was measured about
 * twice as fast there; GPU providers keep the fp32 model (see docs/benchmarks.md). With a
 * provider setting that may end on a GPU, only the worker knows where it landed, so the
 * choice is left to it (`cpuVariantPath`). No vscode import.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ModelLoadError } from '../runtime/modelLoadError';
import type { ProviderSetting } from '../runtime/providers';

export type PrecisionSetting = 'auto' | 'fp32' | 'int8';
export const PRECISION_SETTINGS: readonly PrecisionSetting[] = ['auto', 'fp32', 'int8'];

export function isPrecisionSetting(v: unknown): v is PrecisionSetting {
  return typeof v === 'string' && (PRECISION_SETTINGS as readonly string[]).includes(v);
}

/** `<dir>/<name>.int8.onnx` for `<dir>/<name>.onnx`. */
export function int8VariantPath(modelPath: string): string {
  const base = path.basename(modelPath);
  const stem = base.toLowerCase().endsWith('.onnx') ? base.slice(0, -5) : base;
  return path.join(path.dirname(modelPath), `${stem}.int8.onnx`);
}

export class PrecisionError extends ModelLoadError {}

/** What the labeling run loads: `modelPath`, or (when set) `cpuVariantPath` if its worker ends on the CPU. */
export interface LabelModelChoice {
  modelPath: string;
  cpuVariantPath?: string;
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function chooseLabelModel(modelPath: string, precision: PrecisionSetting, provider: ProviderSetting): Promise<LabelModelChoice> {
  if (precision === 'fp32') return { modelPath };
  const variant = int8VariantPath(modelPath);
  const exists = await isFile(variant);
  if (precision === 'int8') {
    if (!exists) {
      throw new PrecisionError(`no int8 variant of ${modelPath}: expected ${variant} (python3 -m training.export --int8 writes it)`);
    }
    return { modelPath: variant };
  }
  if (!exists) return { modelPath };
  return provider === 'cpu' ? { modelPath: variant } : { modelPath, cpuVariantPath: variant };
}
