/**
 * Messages between the labeling pipeline and its worker processes (dist/labelWorker.js).
 * A worker decodes and classifies whole batches: the parent sends a list of paths and
 * gets back one Float32Array of probabilities per batch, so IPC costs one small message
 * per batch, never a tensor per image.
 */
import type { ProviderSetting } from '../runtime/providers';

export interface InitMessage {
  type: 'init';
  modelPath: string;
  provider: ProviderSetting;
  /** The int8 variant to load instead when no GPU provider takes `modelPath` (core/model/variants.ts). */
  cpuVariantPath?: string;
  intraOpThreads: number;
  maxPixels: number;
  /** Images decoded at once inside this worker. */
  decodeConcurrency: number;
  /** Content mode: hash every file's bytes and return the hashes with each batch (BatchResultMessage.sha256). */
  contentHash?: boolean;
  /** The labeling batch (0 or absent: the provider's default); `auto` times providers at it. */
  batchSize?: number;
  /** Which of the pool's workers this is (-1: the one that retries files alone); for test hooks. */
  slot?: number;
}

export interface BatchMessage {
  type: 'batch';
  id: number;
  paths: string[];
  /**
   * The model runs on at most this many of the batch's images at a time (absent: all at once).
   * A message can carry more images than the model's best batch: fewer, larger messages cost the
   * parent less per image (each one is a round trip, a journal write and a wake-up).
   */
  runBatch?: number;
}

/** Make a review thumbnail: `src` scaled to fit `size`×`size`, written as JPEG to `out` (no model needed). */
export interface ThumbMessage {
  type: 'thumb';
  id: number;
  src: string;
  out: string;
  size: number;
}

export type ToWorker = InitMessage | BatchMessage | ThumbMessage;

export interface ReadyMessage {
  type: 'ready';
  /** `inputValues`: numbers per image in the model's input (C×H×W). */
  model: { name: string; hash: string; labels: string[]; provider: string; loadMs: number; inputValues?: number; precision?: 'fp32' | 'int8' };
  /** CPU milliseconds (user + system, all threads) this worker process has used so far. */
  cpuMs?: number;
}

export interface InitErrorMessage {
  type: 'initError';
  message: string;
  name: string;
}

export interface ItemError {
  code: string;
  message: string;
}

export interface BatchResultMessage {
  type: 'result';
  id: number;
  /** `paths.length × K` probabilities; rows of failed items are zero. */
  probs: Float32Array;
  /** null where the item was labeled. */
  errors: Array<ItemError | null>;
  /**
   * Content mode only (InitMessage.contentHash): per path, the lower-case hex SHA-256 of the
   * bytes that were decoded, error rows included; null where the file could not be read (or
   * changed while it was being read).
   */
  sha256?: Array<string | null>;
  decodeMs: number;
  runMs: number;
  /** CPU milliseconds (user + system, all threads) this worker process has used so far. */
  cpuMs?: number;
}

export interface BatchFailedMessage {
  type: 'batchFailed';
  id: number;
  message: string;
}

export interface ThumbResultMessage {
  type: 'thumbResult';
  id: number;
  /** Set when the thumbnail could not be made. */
  error?: string;
}

export type FromWorker = ReadyMessage | InitErrorMessage | BatchResultMessage | BatchFailedMessage | ThumbResultMessage;

/** Test hook: a worker given this env var crashes (SIGKILL itself) on any path containing its value. */
export const CRASH_HOOK_ENV = 'RCNN_LENS_TEST_CRASH_ON';
/** Test hook: a worker given this env var hangs (never answers) on any path containing its value. */
export const HANG_HOOK_ENV = 'RCNN_LENS_TEST_HANG_ON';
/**
 * Test hook: `<slot>:fail` makes the pool's worker number <slot> report that it cannot load the
 * model; `<slot>:hang` makes it never answer its init message.
 */
export const LOAD_HOOK_ENV = 'RCNN_LENS_TEST_LOAD';
/** Test hook: the model's logits for any path containing this value are replaced by NaN. */
export const NAN_HOOK_ENV = 'RCNN_LENS_TEST_NAN_ON';
