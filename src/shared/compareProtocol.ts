/**
 * Every message between the extension host and the compare panel's webview (webview/compare).
 * One discriminated union per direction; requests carry a `requestId` and are answered by a
 * `reply` whose value has the type CompareResponses gives it (envelope: messaging.ts). The
 * webview says `ready` first and again after every reload; the host then re-sends its state.
 * Results reuse the classify panel's ClassifyResultView (Float32Arrays travel as binary).
 */
import type { ReadyMessage, Reply } from './messaging';
import type { ClassifyResultView, PanelSettingsView } from './protocol';

export const COMPARE_VIEW_TYPE = 'rcnnLens.comparePanel';

export type CompareSideKey = 'a' | 'b';

/** What one side classifies: an image, with the current model or with a model file of its own. */
export interface CompareSource {
  imagePath: string;
  /** Absent: the model RCNN Lens currently uses (rcnnLens.model.path or the bundled one). */
  modelPath?: string;
}

/** What names a side before its result is in. */
export interface CompareSideHeader {
  source: CompareSource;
  fileName: string;
  /** The model file's name, or "current model". */
  modelLabel: string;
}

/** One side's outcome: a result, or why there is none (the other side still shows). */
export interface CompareSideView extends CompareSideHeader {
  result?: ClassifyResultView;
  error?: { message: string; detail?: string };
}

/** Host → webview. */
export type HostToCompare =
  | { type: 'loading'; a: CompareSideHeader; b: CompareSideHeader }
  | { type: 'result'; a: CompareSideView; b: CompareSideView; settings: PanelSettingsView }
  | Reply<CompareResponses[keyof CompareResponses]>;

/** What the host answers to each of the webview's requests. */
export interface CompareResponses {
  copyText: { copied: true };
}

/** Webview → host. */
export type CompareToHost =
  | ReadyMessage
  | { type: 'reclassify' }
  | { type: 'copyText'; requestId: number; text: string };

/** What the webview stores with setState, to come back after a window reload. Plain JSON. */
export interface ComparePersistedState {
  a: CompareSource;
  b: CompareSource;
  ui?: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A webview message checked at runtime; undefined when it is not one the host knows. */
export function parseCompareMessage(raw: unknown): CompareToHost | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'reclassify':
      return { type: 'reclassify' };
    case 'copyText': {
      const { requestId, text } = raw;
      if (typeof requestId !== 'number' || !Number.isSafeInteger(requestId)) return undefined;
      if (typeof text !== 'string' || text.length > 1_000_000) return undefined;
      return { type: 'copyText', requestId, text };
    }
    default:
      return undefined;
  }
}

function parseSource(raw: unknown): CompareSource | undefined {
  if (!isObject(raw) || typeof raw.imagePath !== 'string' || raw.imagePath.length === 0) return undefined;
  if (raw.modelPath !== undefined && typeof raw.modelPath !== 'string') return undefined;
  return raw.modelPath ? { imagePath: raw.imagePath, modelPath: raw.modelPath } : { imagePath: raw.imagePath };
}

/** Reads back what setState stored (or what a restored panel claims), tolerating anything. */
export function parseComparePersisted(raw: unknown): ComparePersistedState | undefined {
  if (!isObject(raw)) return undefined;
  const a = parseSource(raw.a);
  const b = parseSource(raw.b);
  if (!a || !b) return undefined;
  return { a, b, ui: isObject(raw.ui) ? raw.ui : undefined };
}

/** One string per pair of sources: how the host remembers which comparisons it opened. */
export function compareKey(a: CompareSource, b: CompareSource): string {
  return JSON.stringify([a.imagePath, a.modelPath ?? null, b.imagePath, b.modelPath ?? null]);
}
