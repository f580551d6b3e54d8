/** Turns a worker classification into the panel's message payload (plain JSON). */
import * as path from 'node:path';
import type { ClassifyDetail } from '../../core/classify';
import { missingViews } from '../../core/model/contract';
import type { ModelDescriptor } from '../../core/runtime/modelSession';
import { describeFallback } from '../../core/runtime/providers';
import type { ClassifyResultView, ModelView } from '../../shared/protocol';

/** Formats Chromium displays natively in an <img>; others (TIFF) get no image, only the overlay. */
const BROWSER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'bmp', 'svg']);

export function canBrowserDisplay(format: string): boolean {
  return BROWSER_FORMATS.has(format.toLowerCase());
}

export function toModelView(m: ModelDescriptor): ModelView {
  const { info } = m;
  return {
    name: info.name,
    hash: m.hash,
    path: m.path,
    labels: info.labels,
    grid: info.grid,
    timesteps: info.timesteps,
    scanOrder: info.scanOrder,
    rnn: info.rnn,
    head: info.head,
    hiddenWidth: info.hiddenWidth,
    outputs: info.outputs,
    missingViews: missingViews(info),
    card: info.card,
    input: { width: info.input.width, height: info.input.height, channels: info.input.channels, resize: info.preprocess.resize },
  };
}

export function toResultView(
  detail: ClassifyDetail,
  model: ModelDescriptor,
  imageSrc: string | undefined,
  totalMs: number,
  modelLoadMs: number | undefined,
): ClassifyResultView {
  const list = (a: Float32Array | undefined): number[] | undefined => (a ? Array.from(a) : undefined);
  return {
    imagePath: detail.path,
    fileName: path.basename(detail.path),
    imageSrc: canBrowserDisplay(detail.geometry.format) ? imageSrc : undefined,
    model: toModelView(model),
    provider: model.provider,
    providerNote: describeFallback(model.attempts, model.provider),
    top: detail.top,
    probabilities: Array.from(detail.probabilities),
    hidden: list(detail.hidden),
    stepLogits: list(detail.stepLogits),
    attention: list(detail.attention),
    geometry: detail.geometry,
    timing: {
      decodeMs: detail.timing.decodeMs,
      runMs: detail.timing.runMs,
      workerMs: detail.timing.totalMs,
      totalMs,
      modelLoadMs,
    },
  };
}
