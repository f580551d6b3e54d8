/** What a labeling run is asked to do, what it reports while it runs, and what it returns. */
import type { ProviderSetting } from '../runtime/providers';
import type { Shard } from '../batch/shard';
import type { GpuPathReport } from '../batch/labelPool';
import type { ModelSummary } from '../batch/workerPool';
import type { OutputSpec } from '../labelsFile/outputs';
import type { SuspectSummary } from './suspectPass';

export interface LabelJobOptions {
  folder: string;
  /** Files to write; default `<folder>/labels.jsonl`. The first one holds the run's state. */
  outputs?: OutputSpec[];
  modelPath: string;
  /** The int8 variant, loaded by workers that end on the CPU (core/model/variants.ts chooseLabelModel). */
  cpuVariantPath?: string;
  provider?: ProviderSetting;
  /** Images per model run; 0/undefined chooses by provider. */
  batchSize?: number;
  /** Worker processes; 0/undefined chooses by core count. */
  workers?: number;
  /** onnxruntime intra-op threads per worker; 0/undefined chooses. */
  intraOpThreads?: number;
  decodeConcurrency?: number;
  include?: readonly string[];
  exclude?: readonly string[];
  followSymlinks?: boolean;
  /** Stat files on the calling thread (ScanOptions.inlineStat): the command-line tool, never the extension host. */
  inlineStat?: boolean;
  shard?: Shard;
  maxPixels?: number;
  topK?: number;
  /** Replace an existing output file that is not ours. */
  force?: boolean;
  /** Ignore previous results and label everything again. */
  full?: boolean;
  /**
   * Content mode: records carry the SHA-256 of each file's bytes, and a rerun reuses a file
   * whose mtime changed but whose size and bytes did not (copied, restored or touched folders).
   */
  contentHash?: boolean;
  /** dist/labelWorker.js */
  workerScript: string;
  workerEnv?: NodeJS.ProcessEnv;
  batchTimeoutMs?: number;
}

export interface LabelHooks {
  onProgress?: (p: LabelProgress) => void;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export type Phase = 'starting' | 'scanning' | 'hashing' | 'loading' | 'labeling' | 'writing' | 'done';

export interface LabelProgress {
  phase: Phase;
  /** Files to label in this run (excluding reused ones); known after the scan (in content mode, after the content check). */
  total: number;
  /** Files labeled or failed so far in this run. */
  done: number;
  errors: number;
  /** Files whose previous result was reused (unchanged, or resumed from a journal). */
  reused: number;
  /** Of `reused`: files whose mtime changed but whose bytes did not (content mode). */
  reusedByContent: number;
  /** Content mode, phase 'hashing': files whose mtime changed to check by content, and how many are checked. */
  hashTotal?: number;
  hashed?: number;
  /** Images per second over the last few seconds. */
  rate: number;
  etaSeconds: number | undefined;
  /** Images found so far while scanning. */
  scanned?: number;
}

/** Where the time went (ms): scan, model start, labeling (first batch to last), final write; decode/run are summed over workers. */
export interface LabelTiming {
  scanMs: number;
  modelMs: number;
  labelMs: number;
  writeMs: number;
  decodeMs: number;
  runMs: number;
}

export interface LabelSummary {
  /** Class-subfolder folders: how many images got a suspect score (suspectPass.ts); absent elsewhere and for shards. */
  suspects?: SuspectSummary;
  status: 'completed' | 'cancelled';
  folder: string;
  outputs: string[];
  model: ModelSummary;
  /** Every image in the folder (this shard). */
  files: number;
  labeled: number;
  errors: number;
  /** Previous results kept: unchanged files (size and mtime, or content in content mode) and resumed ones. */
  reused: number;
  /** Of `reused`: files whose mtime changed but whose bytes did not (content mode). */
  reusedByContent: number;
  errorCodes: Record<string, number>;
  classCounts: Record<string, number>;
  seconds: number;
  /** Over the whole run, start-up included. */
  imagesPerSecond: number;
  timing: LabelTiming;
  /**
   * CPU seconds (user + system, all threads) of this process during the run and of the labeling
   * workers (start-up included): with the wall time, how well the run used the cores.
   */
  cpu: { mainSeconds: number; workerSeconds: number };
  /** Over the labeling phase only (steady state). */
  labelImagesPerSecond: number;
  workerRestarts: number;
  warnings: string[];
  batchSize: number;
  /** Labeling worker processes: full workers on the CPU path, decode-only workers on the GPU path. */
  workers: number;
  /** onnxruntime sessions the run loaded (one on the GPU path; one per worker on the CPU path). */
  sessions: number;
  /** The GPU path only (docs/gpu-labeling.md): its decoders and how much decoding overlapped inference. */
  gpuPath?: GpuPathReport;
}
