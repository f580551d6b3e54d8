/**
 * Messages between a host (extension, CLI) and the worker process that owns the native
 * work (sharp decoding, onnxruntime sessions). The worker runs in its own process so a
 * hostile file that crashes a native decoder takes down only the worker, and so
 * InferenceSession.run (synchronous on its calling thread) never blocks the host.
 */
import type { ClassifyDetail } from '../classify';
import type { ExplainedImage } from '../explain/explainFile';
import type { ExplainMethod } from '../explain/methods';
import type { OcclusionWindow } from '../explain/windows';
import type { ProviderSetting } from '../runtime/providers';
import type { ModelDescriptor } from '../runtime/modelSession';
import type { ContractProblem } from '../model/contract';
import type { ModelIdentity } from './modelHolder';

export interface LoadRequest {
  kind: 'load';
  modelPath: string;
  provider: ProviderSetting;
  intraOpThreads?: number;
}

export interface ClassifyRequest {
  kind: 'classify';
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
  kind: 'preview';
  path: string;
  maxSide: number;
  maxPixels?: number;
}

/** Explanations of one image (src/core/explain); reports progress and can be cancelled by `job`. */
export interface ExplainRequest {
  kind: 'explain';
  /** Names the job for cancelExplain. */
  job: number;
  path: string;
  methods: ExplainMethod[];
  window: OcclusionWindow;
  classLabel?: string;
  maxPixels?: number;
  model?: ModelIdentity;
}

export interface CancelExplainRequest {
  kind: 'cancelExplain';
  job: number;
}

export type ExplainReply = ExplainedImage & { model: ModelIdentity };

export interface PingRequest {
  kind: 'ping';
}

export type WorkerRequest = LoadRequest | ClassifyRequest | PreviewRequest | ExplainRequest | CancelExplainRequest | PingRequest;

export interface WorkerResponses {
  load: ModelDescriptor;
  classify: ClassifyReply;
  preview: { png: Uint8Array; width: number; height: number };
  explain: ExplainReply;
  cancelExplain: { cancelled: boolean };
  ping: { pid: number };
}

/** An error as it crosses the process boundary: class name and the fields callers branch on. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  filePath?: string;
  detail?: string;
  problems?: ContractProblem[];
}

export type WorkerEnvelope = { id: number; request: WorkerRequest };
export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError }
  /** Progress of a long request (explain), before its answer. */
  | { id: number; progress: { done: number; total: number } };

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const e = err as Error & Partial<SerializedError>;
  return {
    name: e.name,
    message: e.message,
    code: typeof e.code === 'string' ? e.code : undefined,
    filePath: e.filePath,
    detail: e.detail,
    problems: e.problems,
  };
}

/** The worker's error rebuilt on the host side, keeping the class name and fields. */
export class WorkerError extends Error {
  readonly code?: string;
  readonly filePath?: string;
  readonly detail?: string;
  readonly problems?: ContractProblem[];
  constructor(s: SerializedError) {
    super(s.message);
    this.name = s.name;
    this.code = s.code;
    this.filePath = s.filePath;
    this.detail = s.detail;
    this.problems = s.problems;
  }
}
