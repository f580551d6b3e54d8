/**
 * Every message between the extension host and the classify panel's webview.
 * One discriminated union per direction; requests that expect an answer carry a
 * `requestId` and are answered by a `reply` with the same id, whose value has the type
 * PanelResponses gives it (the envelope is src/shared/messaging.ts).
 * Messages are plain data plus Float32Array for the per-step outputs: VS Code (1.57+)
 * sends typed arrays as binary and the webview receives them as typed arrays, which is
 * much cheaper than number[] written out as JSON. What the webview persists with
 * setState (PanelPersistedState) stays plain JSON, so it survives a reload.
 */
import type { ExplainMethod } from '../core/explain/methods';
import type { ExplainResultView } from './explainProtocol';
import type { ScanOrder } from '../core/model/scanOrder';
import type { ReadyMessage, Reply } from './messaging';

export interface PredictionView {
  index: number;
  label: string;
  score: number;
}

export interface ModelView {
  name: string;
  hash: string;
  path: string;
  labels: string[];
  grid: [number, number];
  timesteps: number;
  scanOrder: ScanOrder;
  rnn: { type: 'gru' | 'lstm'; hiddenSize: number; layers: number; bidirectional: boolean };
  head: 'final' | 'attention';
  /** Width D of `hidden` (2 × hiddenSize for a bidirectional RNN: forward half first). */
  hiddenWidth?: number;
  outputs: { hidden: boolean; stepLogits: boolean; attention: boolean };
  /** Optional inputs beyond the image (contract v2 `step_mask`: timestep ablation). */
  inputs?: { stepMask: boolean };
  /** Contract v2 `gates` output: which gates and G (docs/model-contract.md); absent without one. */
  gates?: { kind: 'gru_update' | 'lstm_input_forget'; width: number };
  /** int8 for a quantized variant; the panel names it. */
  precision: 'fp32' | 'int8';
  /** Human sentences for the views this model cannot feed. */
  missingViews: string[];
  card: Record<string, unknown>;
  input: { width: number; height: number; channels: number; resize: 'center_crop' | 'stretch' | 'letterbox' };
}

export interface GeometryView {
  /** Size of the image as displayed (EXIF orientation applied). */
  width: number;
  height: number;
  /** Region of the displayed image that maps onto the model input (may exceed the image for letterbox). */
  crop: { left: number; top: number; width: number; height: number };
  format: string;
}

export interface TimingView {
  decodeMs: number;
  runMs: number;
  /** Worker-side total (decode + run + glue). */
  workerMs: number;
  /** From the command to the panel's data being ready, model load excluded. */
  totalMs: number;
  /** Model load time when this classification had to load the model first. */
  modelLoadMs?: number;
}

export interface ClassifyResultView {
  imagePath: string;
  fileName: string;
  /** A data: URL of a PNG preview, for a format the webview cannot show or a file too big to send. */
  imageSrc?: string;
  /** The image file's own bytes, which the webview shows through a blob: URL (it has no access to the file's folder). */
  image?: { bytes: Uint8Array; mime: string };
  model: ModelView;
  provider: string;
  providerNote?: string;
  top: PredictionView[];
  /** [K]. This and the arrays below each span their whole buffer (postMessage sends a view's entire buffer). */
  probabilities: Float32Array;
  /** [L × D] row-major, timestep-major. */
  hidden?: Float32Array;
  /** [L × K] row-major. */
  stepLogits?: Float32Array;
  /** [L]. */
  attention?: Float32Array;
  /** [L × G] row-major (contract v2 `gates`). */
  gates?: Float32Array;
  geometry: GeometryView;
  timing: TimingView;
}

export interface PanelSettingsView {
  topK: number;
  colormap: string;
  opacity: number;
  threshold: number;
  playIntervalMs: number;
}

/** Host → webview. */
export type HostToPanel =
  | { type: 'loading'; imagePath: string; fileName: string }
  | { type: 'result'; result: ClassifyResultView; settings: PanelSettingsView }
  | { type: 'error'; imagePath: string; fileName: string; message: string; detail?: string }
  | Reply<PanelResponses[keyof PanelResponses]>
  /** Progress of the explain request in flight (model runs done of the expected total); never held for `ready`. */
  | { type: 'explainProgress'; done: number; total: number };

/** What the host answers to each of the panel's requests. */
export interface PanelResponses {
  /** The file written, or that the user closed the save dialog. */
  savePng: { saved: string } | { cancelled: true };
  copyText: { copied: true };
  /** Explanations of the shown image; a cancelled one fails with the code `cancelled`. */
  explain: ExplainResultView;
}

/** Webview → host. */
export type PanelToHost =
  | ReadyMessage
  | { type: 'reclassify' }
  | { type: 'savePng'; requestId: number; dataUrl: string; suggestedName: string }
  | { type: 'copyText'; requestId: number; text: string }
  | { type: 'openSettings' }
  /** "more" under the heatmap: the README's section on reading it. */
  | { type: 'openHelp' }
  /** Compute explanations of the shown image (answered by a reply with an ExplainResultView). */
  | { type: 'explain'; requestId: number; methods: ExplainMethod[]; window: 1 | 2 }
  | { type: 'cancelExplain' };

/**
 * What the webview stores with setState, so the panel survives a window reload. Plain JSON
 * only, and no result data: after a reload the host sends the result again (re-posted on
 * `ready`, or classified anew when the serializer restores the panel).
 */
export interface PanelPersistedState {
  imagePath: string;
  ui?: Record<string, unknown>;
}

export const CLASSIFY_PANEL_VIEW_TYPE = 'rcnnLens.classifyPanel';
