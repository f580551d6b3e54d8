/**
 * Messages between a host (extension, CLI) and the worker process that owns the native
 * work (sharp decoding, onnxruntime sessions). The worker runs in its own process so a
 * hostile file that crashes a native decoder takes down only the worker, and so
 * InferenceSession.run (synchronous on its calling thread) never blocks the host.
 * The envelope is src/shared/messaging.ts: requests carry a requestId, replies are typed
 * by WorkerResponses, errors cross as a WireError.
 */
import type { ClassifyDetail } from '../classify';
import type { ExplainedImage } from '../explain/explainFile';
import type { ExplainMethod } from '../explain/methods';
import type { OcclusionWindow } from '../explain/windows';
import type { ProviderSetting } from '../runtime/providers';
import type { ModelDescriptor } from '../runtime/modelSession';
import type { Reply, WireError } from '../../shared/messaging';
import type { ModelIdentity } from './modelHolder';

export interface LoadRequest {
  type: 'load';
  requestId: number;
  modelPath: string;
  provider: ProviderSetting;
  intraOpThreads?: number;
}

export interface ClassifyRequest {
  type: 'classify';
  requestId: number;
  path: string;
  topK: number;
  full: boolean;
  maxPixels?: number;
  /** The model the host believes is loaded; the worker refuses the request if it holds another. */
  model?: ModelIdentity;
}

/** A classification, with the model that made it. */
export type ClassifyReply = ClassifyDetail & { model: ModelIdentity };

/** A PNG rendering of an image the browser cannot display itself (TIFF), oriented like the model saw it. */
export interface PreviewRequest {
  type: 'preview';
  requestId: number;
  path: string;
  maxSide: number;
  maxPixels?: number;
}

/** Explanations of one image (src/core/explain); reports progress and can be cancelled by `job`. */
export interface ExplainRequest {
  type: 'explain';
  requestId: number;
  /** Names the job for cancelExplain. */
  job: number;
  path: string;
  methods: ExplainMethod[];
  window: OcclusionWindow;
  classLabel?: string;
  maxPixels?: number;
  model?: ModelIdentity;
}

/** Stops explain job `job`; that request then fails with the code `cancelled`. */
export interface CancelExplainRequest {
  type: 'cancelExplain';
  requestId: number;
  job: number;
}

export type ExplainReply = ExplainedImage & { model: ModelIdentity };

export interface PingRequest {
  type: 'ping';
  requestId: number;
}

/** Host → worker. */
export type WorkerRequest = LoadRequest | ClassifyRequest | PreviewRequest | ExplainRequest | CancelExplainRequest | PingRequest;

/** What the worker answers to each request. */
export interface WorkerResponses {
  load: ModelDescriptor;
  classify: ClassifyReply;
  preview: { png: Uint8Array; width: number; height: number };
  explain: ExplainReply;
  cancelExplain: { cancelled: boolean };
  ping: { pid: number };
}

/** The answer to one request. */
export type WorkerReply = Reply<WorkerResponses[keyof WorkerResponses]>;

/** Progress of a long request (explain), sent before its reply. */
export interface WorkerProgress {
  type: 'progress';
  requestId: number;
  done: number;
  total: number;
}

/** Worker → host. */
export type WorkerToHost = WorkerReply | WorkerProgress;

/**
 * The worker's error rebuilt on the host side. Callers branch on `errorCode` (the closed
 * set); `code` keeps the finer reason (an ImageErrorCode, say) and `name` the worker's class
 * name, both for messages and the log.
 */
export class WorkerError extends Error {
  readonly errorCode: WireError['code'];
  readonly code?: string;
  readonly filePath?: string;
  readonly detail?: string;
  readonly problems?: Array<{ where: string; message: string }>;
  constructor(e: WireError) {
    super(e.message);
    this.name = e.details?.name ?? 'WorkerError';
    this.errorCode = e.code;
    this.code = e.details?.reason;
    this.filePath = e.details?.filePath;
    this.detail = e.details?.detail;
    this.problems = e.details?.problems;
  }
}
