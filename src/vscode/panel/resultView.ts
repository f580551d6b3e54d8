/**
 * Turns a worker classification into the panel's message payload. The per-step arrays
 * stay Float32Array: VS Code's postMessage sends typed arrays as binary buffers and the
 * webview receives typed arrays, so converting them to number[] (and VS Code then
 * writing them out as JSON text) would only cost time.
 */
import * as path from 'node:path';
import type { ClassifyDetail } from '../../core/classify';
import { missingViews } from '../../core/model/contract';
import type { ModelDescriptor } from '../../core/runtime/modelSession';
import { describeFallback } from '../../core/runtime/providers';
import type { ClassifyResultView, ModelView } from '../../shared/protocol';

/** Formats Chromium displays natively in an <img>; others (TIFF) get no image, only the overlay. */
export function canBrowserDisplay(format: string): boolean {
  return imageMimeType(format) !== undefined;
}

const MIME_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
};

/** The MIME type the webview shows a decoded format's bytes as, or undefined when it cannot show them. */
export function imageMimeType(format: string): string | undefined {
  return MIME_TYPES[format.toLowerCase()];
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
    inputs: { stepMask: info.stepMask },
    ...(info.gates ? { gates: { kind: info.gates.kind, width: info.gates.width } } : {}),
    precision: info.precision,
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
  return {
    imagePath: detail.path,
    fileName: path.basename(detail.path),
    imageSrc: canBrowserDisplay(detail.geometry.format) ? imageSrc : undefined,
    model: toModelView(model),
    provider: model.provider,
    providerNote: describeFallback(model.attempts, model.provider, model.providerNote),
    top: detail.top,
    probabilities: ownBuffer(detail.probabilities),
    hidden: detail.hidden && ownBuffer(detail.hidden),
    stepLogits: detail.stepLogits && ownBuffer(detail.stepLogits),
    attention: detail.attention && ownBuffer(detail.attention),
    gates: detail.gates && ownBuffer(detail.gates),
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

/**
 * The array itself when it spans its whole ArrayBuffer, else a copy that does.
 * postMessage sends a typed array's entire underlying buffer, and arrays from the worker
 * are often views into something larger: the IPC message they arrived in, or a slab of
 * Node's shared Buffer pool holding unrelated bytes of this process. Those bytes must
 * not travel to the webview; copying a few kilobytes here is far cheaper than that.
 */
export function ownBuffer(values: Float32Array): Float32Array {
  return values.byteOffset === 0 && values.byteLength === values.buffer.byteLength ? values : values.slice();
}
