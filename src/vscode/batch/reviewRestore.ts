/**
 * Which review panels may be restored after a reload: only those the host itself opened
 * (recorded in workspaceState), never a folder that merely comes from the webview's state.
 * No vscode import, so it is testable.
 */
import * as path from 'node:path';
import type { ReviewState } from '../../shared/reviewProtocol';

export const OPENED_REVIEWS_KEY = 'rcnnLens.batch.openedReviews';
const MAX_REMEMBERED = 50;

const same = (a: ReviewState, b: ReviewState) => path.resolve(a.folder) === path.resolve(b.folder) && path.resolve(a.labelsFile) === path.resolve(b.labelsFile);

/** The recorded list with `state` added (most recent last, bounded). */
export function rememberReview(list: readonly ReviewState[] | undefined, state: ReviewState): ReviewState[] {
  const rest = (list ?? []).filter((s) => !same(s, state));
  return [...rest, { folder: state.folder, labelsFile: state.labelsFile }].slice(-MAX_REMEMBERED);
}

/** The recorded entry matching the webview's state, or undefined (then the panel is disposed). */
export function restorableReview(list: readonly ReviewState[] | undefined, state: unknown): ReviewState | undefined {
  const s = state as Partial<ReviewState> | undefined;
  if (!s || typeof s.folder !== 'string' || typeof s.labelsFile !== 'string') return undefined;
  const known = (list ?? []).find((k) => typeof k?.folder === 'string' && typeof k?.labelsFile === 'string' && same(k, s as ReviewState));
  return known ? { folder: known.folder, labelsFile: known.labelsFile } : undefined;
}
