/**
 * What the host accepts from the review webview. The webview shows files of a folder the
 * user may not trust, so its messages are checked like any other input: the right shape,
 * and only paths of the labels file's records and labels the review knows. No vscode
 * import, so it is testable.
 */
import type { ReviewItem, ReviewToHost } from '../../shared/reviewProtocol';

/** Most thumbnails one message may ask for (the gallery asks for what is on screen). */
export const MAX_THUMBS_PER_MESSAGE = 500;
/** Most changes one setLabels may carry (the gallery sends one per key press). */
export const MAX_CHANGES_PER_MESSAGE = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isLabelChange(v: unknown): v is { path: string; label: string | null } {
  return isObject(v) && typeof v.path === 'string' && (v.label === null || typeof v.label === 'string');
}

/** The message in its declared shape, or undefined when it is not one the host knows. */
export function parseReviewMessage(raw: unknown): ReviewToHost | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'reload':
      return { type: raw.type };
    case 'open':
      return typeof raw.path === 'string' ? { type: 'open', path: raw.path } : undefined;
    case 'wantThumbs':
      if (!Array.isArray(raw.paths)) return undefined;
      return { type: 'wantThumbs', paths: raw.paths.slice(0, MAX_THUMBS_PER_MESSAGE).filter((p): p is string => typeof p === 'string') };
    case 'moveToPrediction':
      if (typeof raw.requestId !== 'number' || !Number.isSafeInteger(raw.requestId) || typeof raw.path !== 'string') return undefined;
      return { type: 'moveToPrediction', requestId: raw.requestId, path: raw.path };
    case 'setLabels': {
      const { requestId, changes } = raw;
      if (typeof requestId !== 'number' || !Number.isSafeInteger(requestId)) return undefined;
      if (!Array.isArray(changes) || changes.length > MAX_CHANGES_PER_MESSAGE || !changes.every(isLabelChange)) return undefined;
      return { type: 'setLabels', requestId, changes: changes.map((c) => ({ path: c.path, label: c.label })) };
    }
    default:
      return undefined;
  }
}

/** The record paths and labels of the review as last sent to the webview: all it may refer to. */
export class ReviewVocabulary {
  private readonly paths: ReadonlySet<string>;
  private readonly labels: ReadonlySet<string>;

  constructor(items: readonly ReviewItem[], classes: readonly string[]) {
    this.paths = new Set(items.map((i) => i.path));
    const labels = new Set(classes);
    for (const i of items) {
      if (i.label !== undefined) labels.add(i.label);
      if (i.reviewed !== undefined) labels.add(i.reviewed);
    }
    this.labels = labels;
  }

  static readonly empty = new ReviewVocabulary([], []);

  hasPath(p: string): boolean {
    return this.paths.has(p);
  }

  /** Why these changes are refused, or undefined when every one names a record and a known label. */
  refusal(changes: ReadonlyArray<{ path: string; label: string | null }>): string | undefined {
    for (const c of changes) {
      if (!this.paths.has(c.path)) return `${c.path} is not in this labels file`;
      if (c.label !== null && !this.labels.has(c.label)) return `"${c.label}" is not a class of this review`;
    }
    return undefined;
  }
}
