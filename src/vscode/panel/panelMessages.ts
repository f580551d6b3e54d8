/**
 * What the host accepts from the classify panel's webview. The webview draws files the
 * user may not trust (an SVG, a file name), so its messages are checked like any other
 * input: the declared shape, with bounded sizes, or nothing. No vscode import, so it is
 * testable; the review panel checks its messages the same way (batch/reviewMessages.ts).
 */
import { parseExplainAsk } from '../../shared/explainProtocol';
import type { PanelToHost } from '../../shared/protocol';

/** Copy JSON sends the predictions of one image: kilobytes. */
export const MAX_COPY_TEXT_CHARS = 1_000_000;
/** A PNG of the stage (at most 1280 px a side, so about 6.5 MB raw) as base64, with room to spare. */
export const MAX_PNG_DATA_URL_CHARS = 64_000_000;
/** A file name (the host keeps only its base name), with room for the suffix the panel adds. */
export const MAX_SUGGESTED_NAME_CHARS = 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRequestId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isBoundedString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

/** The message in its declared shape, or undefined when it is not one the host knows. */
export function parsePanelMessage(raw: unknown): PanelToHost | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'reclassify':
    case 'openSettings':
    case 'openHelp':
    case 'cancelExplain':
      return { type: raw.type };
    case 'explain': {
      const ask = parseExplainAsk(raw.methods, raw.window);
      if (!isRequestId(raw.requestId) || !ask) return undefined;
      return { type: 'explain', requestId: raw.requestId, ...ask };
    }
    case 'copyText': {
      const { requestId, text } = raw;
      if (!isRequestId(requestId) || !isBoundedString(text, MAX_COPY_TEXT_CHARS)) return undefined;
      return { type: 'copyText', requestId, text };
    }
    case 'savePng': {
      const { requestId, dataUrl, suggestedName } = raw;
      if (!isRequestId(requestId) || !isBoundedString(dataUrl, MAX_PNG_DATA_URL_CHARS)) return undefined;
      if (!dataUrl.startsWith('data:image/png;base64,')) return undefined;
      if (!isBoundedString(suggestedName, MAX_SUGGESTED_NAME_CHARS)) return undefined;
      return { type: 'savePng', requestId, dataUrl, suggestedName };
    }
    default:
      return undefined;
  }
}
