/**
 * Messages between the extension host and the review gallery webview (webview/review).
 * Discriminated unions per direction; request/response pairs use the envelope of
 * src/shared/messaging.ts, typed by ReviewResponses.
 */
import type { ReadyMessage, Reply } from './messaging';

export const REVIEW_VIEW_TYPE = 'rcnnLens.reviewPanel';

/** One labels-file record, compact for 10,000s of items. */
export interface ReviewItem {
  /** Relative path (forward slashes): the item's identity. */
  path: string;
  /** Predicted label; absent for error rows. */
  label?: string;
  score?: number;
  entropy?: number;
  margin?: number;
  /** Second-best label (for a hint when relabeling). */
  second?: string;
  /** The model's top classes with their scores, so a relabelled card can show the model's score for its new label. */
  topk?: Array<{ label: string; score: number }>;
  /** The human's label, once reviewed. */
  reviewed?: string;
  /** In a class-subfolder folder: the class the image's folder names, and how likely that is wrong (0–1). */
  given?: string;
  suspect?: number;
  error?: { code: string; message: string };
}

export interface ReviewInit {
  type: 'init';
  folderName: string;
  /** Absolute folder and labels file, kept by the webview for a reload. */
  folder: string;
  labelsFile: string;
  /** Class names in model output order: key 1 is classes[0], …, key 0 is classes[9]. */
  classes: string[];
  /** Base webview URI of the folder; item image = base + '/' + encoded path segments. */
  imageBase: string;
  items: ReviewItem[];
  model?: { name: string; hash: string };
  /** Set when writing corrections is not possible (e.g. a run is in progress). */
  readOnlyReason?: string;
}

export interface ReviewUpdated {
  type: 'updated';
  changes: Array<{ path: string; reviewed: string | null }>;
}

export interface ReviewNotice {
  type: 'notice';
  level: 'info' | 'error';
  text: string;
}

/** Thumbnail URLs for items the gallery asked for; null: none could be made (show the original or a placeholder). */
export interface ReviewThumbs {
  type: 'thumbs';
  items: Array<{ path: string; url: string | null }>;
}

/** What the host answers to each of the gallery's requests. */
export interface ReviewResponses {
  /** How many corrections were written. */
  setLabels: number;
  /** How many files were moved (into the folder of their prediction). */
  moveToPrediction: number;
}

export type HostToReview = ReviewInit | ReviewUpdated | ReviewNotice | ReviewThumbs | Reply<ReviewResponses[keyof ReviewResponses]>;

export type ReviewReady = ReadyMessage;

export interface ReviewOpen {
  type: 'open';
  path: string;
}

/** Accept (label = the prediction) or relabel; `label: null` clears a review. */
export interface ReviewSetLabels {
  type: 'setLabels';
  requestId: number;
  changes: Array<{ path: string; label: string | null }>;
}

/**
 * Accept the prediction of an image in the wrong class folder: move it into the predicted
 * class's folder (journaled as a sort: Undo Last Sort puts it back).
 */
export interface ReviewMoveToPrediction {
  type: 'moveToPrediction';
  requestId: number;
  path: string;
}

export interface ReviewReload {
  type: 'reload';
}

/** The gallery shows these items: make (or find) their thumbnails. */
export interface ReviewWantThumbs {
  type: 'wantThumbs';
  paths: string[];
}

export type ReviewToHost = ReviewReady | ReviewOpen | ReviewSetLabels | ReviewMoveToPrediction | ReviewReload | ReviewWantThumbs;

/** What the webview persists for a reload (WebviewPanelSerializer). */
export interface ReviewState {
  folder: string;
  labelsFile: string;
}

/** The image URL of an item in the webview. */
export function itemImageUrl(imageBase: string, relPath: string): string {
  return `${imageBase.replace(/\/$/, '')}/${relPath.split('/').map(encodeURIComponent).join('/')}`;
}
