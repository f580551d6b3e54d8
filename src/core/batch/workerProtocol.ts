/**
 * Messages between the labeling pipeline and its worker processes (dist/labelWorker.js).
 * A worker decodes and classifies whole batches: the parent sends a list of paths and
 * gets back one Float32Array of probabilities per batch, so IPC costs one small message
 * per batch, never a tensor per image.
 * The envelope is src/shared/messaging.ts: `init` is answered by the `ready` handshake (or
 * `initError`); `batch` and `thumb` are requests answered by typed replies
 * (LabelWorkerResponses), errors as WireErrors. Test hooks live in testHooks.ts, not here.
 */
import type { ModelInfo } from '../model/contract';
import type { ProviderSetting } from '../runtime/providers';
import type { Reply, WireError } from '../../shared/messaging';

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
  /** Which of the pool's workers this is (-1: the one that retries files alone); for the log and test hooks. */
  slot?: number;
  /**
   * A decode-only worker (the GPU path, docs/gpu-labeling.md): it loads no model, decodes to this
   * input and answers each batch with the tensor (BatchResultMessage.tensor) instead of probabilities.
   */
  decodeSpec?: DecodeSpec;
}

/** What a decoder needs to know of the model: its input geometry and preprocessing. */
export type DecodeSpec = Pick<ModelInfo, 'input' | 'preprocess'>;

export interface BatchMessage {
  type: 'batch';
  requestId: number;
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
  requestId: number;
  src: string;
  out: string;
  size: number;
}

/**
 * Run the model on rows that a decode-only worker already decoded (the GPU path): `tensor` holds
 * `paths.length` rows of C×H×W. The paths are for the log and the test hooks only.
 */
export interface InferMessage {
  type: 'infer';
  requestId: number;
  tensor: Float32Array;
  paths: string[];
  runBatch?: number;
}

export type ToWorker = InitMessage | BatchMessage | ThumbMessage | InferMessage;

export interface ReadyMessage {
  type: 'ready';
  /** `inputValues`: numbers per image in the model's input (C×H×W). */
  model: { name: string; hash: string; labels: string[]; provider: string; loadMs: number; inputValues?: number; precision?: 'fp32' | 'int8' };
  /** CPU milliseconds (user + system, all threads) this worker process has used so far. */
  cpuMs?: number;
  /** The loaded model's input, so the parent can start decode-only workers for it (the GPU path). */
  decodeSpec?: DecodeSpec;
}

export interface InitErrorMessage {
  type: 'initError';
  error: WireError;
}

export interface ItemError {
  code: string;
  message: string;
}

/** What a batch request is answered with. */
export interface BatchResultMessage {
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
  /** A decode-only worker's answer: `paths.length` decoded rows (C×H×W; failed rows zero); `probs` is then empty. */
  tensor?: Float32Array;
}

/** What an `infer` request is answered with: per row, its probabilities and null or why it has none. */
export interface InferResultMessage {
  probs: Float32Array;
  errors: Array<ItemError | null>;
  runMs: number;
  cpuMs?: number;
}

/** What the worker answers to each request. */
export interface LabelWorkerResponses {
  batch: BatchResultMessage;
  infer: InferResultMessage;
  /** Nothing: the thumbnail is at the request's `out`. */
  thumb: null;
}

/**
 * Worker → parent, for a parent that sends only `K` requests (the pool sends batches, the
 * thumbnail maker thumbs), so each reply has that request's type.
 */
export type FromWorker<K extends keyof LabelWorkerResponses = keyof LabelWorkerResponses> =
  | ReadyMessage
  | InitErrorMessage
  | Reply<LabelWorkerResponses[K]>;
