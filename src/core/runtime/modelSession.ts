/**
 * Loads an RCNN Lens model into onnxruntime-node and runs it.
 * This module does native work on the calling thread: the extension only uses it inside
 * the worker process (src/worker), the CLI and benchmarks use it directly.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import {
  META_PREFIX,
  ModelContractError,
  type ModelInfo,
  type TensorSignature,
  checkBatchOutputs,
  checkWarmUpOutputs,
  validateContract,
} from '../model/contract';
import { STEP_MASK_INPUT } from '../model/contractV2';
import { modelHash } from '../model/modelHash';
import { OnnxFormatError, readOnnxHeader } from '../model/onnxProto';
import { adapterFingerprint } from './adapterFingerprint';
import { openCudaSession } from './cudaLibraries';
import { ModelLoadError } from './modelLoadError';
import { type OptimizedModelSlot, optimizedModelSlot } from './optimizedModelCache';
import { type MeasuredOutcome, chooseByMeasurement } from './providerChoice';
import { ProviderChoiceCache } from './providerChoiceCache';
import {
  type ProviderAttempt,
  type ProviderName,
  type ProviderSetting,
  NoProviderError,
  createWithFallback,
  providerCandidates,
} from './providers';

export interface ModelOutputs {
  batch: number;
  logits: Float32Array;
  hidden?: Float32Array;
  stepLogits?: Float32Array;
  attention?: Float32Array;
  /** Contract v2 `gates` [batch, L, G] (see ModelInfo.gates), fetched with the full outputs. */
  gates?: Float32Array;
}

export interface LoadOptions {
  provider?: ProviderSetting;
  /** Threads for one operator; 0 lets onnxruntime choose (all cores). */
  intraOpThreads?: number;
  /**
   * onnxruntime's CPU memory arena keeps the peak of every batch size it has seen;
   * long labeling runs turn it off to keep their memory flat.
   */
  cpuMemArena?: boolean;
  /**
   * For `auto`: the batch each provider is timed at (1 for classify, the labeling batch for
   * Label Folder). Default 1.
   */
  measureBatch?: (provider: ProviderName) => number;
  /** Where `auto` remembers its measured choice; default ~/.cache/rcnn-lens. */
  choiceCache?: ProviderChoiceCache;
  /** Only the GPU providers the setting names: no CPU fallback (the caller has a better CPU model). */
  gpuOnly?: boolean;
  /** false: never use or save this machine's optimised graph of the model (optimizedModelCache.ts). */
  sessionCache?: boolean;
}

export interface ModelDescriptor {
  path: string;
  /** First 16 hex digits of the file's SHA-256: identifies the model in label files. */
  hash: string;
  info: ModelInfo;
  provider: ProviderName;
  attempts: ProviderAttempt[];
  /** Why this provider, when there is more to say than its name (a measurement, a software adapter). */
  providerNote?: string;
  loadMs: number;
  /** The CPU session came from this machine's cached optimised graph ('hit') or saved it ('saved'). */
  sessionCache?: 'hit' | 'saved';
}

export { ModelLoadError };

/** The step_mask tensor of a run: the caller's mask, all ones for a v2 model without one, none for v1. */
function stepMaskFeed(info: ModelInfo, batch: number, stepMask?: Float32Array): ort.Tensor | undefined {
  const L = info.timesteps;
  if (!info.stepMask) {
    if (stepMask) throw new Error('this model has no step_mask input (contract v2), so it cannot ablate timesteps');
    return undefined;
  }
  if (stepMask && stepMask.length !== batch * L) {
    throw new Error(`step_mask has ${stepMask.length} values, expected ${batch * L} (batch ${batch} × L ${L})`);
  }
  return new ort.Tensor('float32', stepMask ?? new Float32Array(batch * L).fill(1), [batch, L]);
}

function signatures(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorSignature[] {
  return meta.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

const OPTIONAL_OUTPUTS = ['hidden', 'step_logits', 'attention', 'gates'] as const;

// onnxruntime prints a provider that fails to start (e.g. no CUDA libraries) as an error
// on stderr; we try providers in turn and report failures ourselves, so keep it quiet.
ort.env.logLevel = 'fatal';

/**
 * Opens the model on the provider the setting asks for: `auto` measures (see providerChoice),
 * an explicit choice is honoured with a CPU fallback, and a note when it is a software adapter.
 */
async function openOnProvider(
  hash: string,
  options: LoadOptions,
  create: (provider: ProviderName) => Promise<LoadedModel>,
  isFatal: (err: unknown) => boolean,
): Promise<MeasuredOutcome<LoadedModel>> {
  const setting = options.provider ?? 'auto';
  const candidates = providerCandidates(setting, process.platform);
  const adapter = adapterFingerprint();
  if (setting === 'auto' && candidates.length > 1) {
    const batchFor = options.measureBatch ?? (() => 1);
    const key = [hash, candidates.map((p) => `${p}@${batchFor(p)}`).join(','), adapter.id, `ort ${ort.env.versions.common}`];
    const chosen = await chooseByMeasurement(candidates.slice(0, -1), create, isFatal, {
      batchFor,
      cache: options.choiceCache ?? new ProviderChoiceCache(),
      cacheKey: key.join('|'),
      adapterNote: adapter.software ? 'software' : undefined,
    });
    if (options.gpuOnly && chosen.provider === 'cpu') {
      // The caller has a better CPU model (the int8 variant): a GPU is used only when it beats this one.
      await chosen.value.release();
      throw new NoProviderError(`no GPU provider is faster than cpu${chosen.reason ? ` (${chosen.reason})` : ''}`, chosen.attempts);
    }
    return chosen;
  }
  const list = options.gpuOnly ? candidates.filter((c) => c !== 'cpu') : candidates;
  if (!list.length) throw new NoProviderError('no GPU provider was asked for', []);
  const outcome: MeasuredOutcome<LoadedModel> = await createWithFallback(list, create, isFatal);
  if (outcome.provider === 'webgpu' && adapter.software) {
    outcome.reason = 'webgpu runs on a software adapter (an emulated GPU): expect it to be far slower than cpu';
  }
  return outcome;
}

/**
 * A session of the model, from this machine's cached optimised graph when there is one (else
 * saving it). From the path, not the bytes already read: onnxruntime finds weights stored as external
 * data (model.onnx.data beside the file) relative to the model's path.
 */
async function openSession(
  path: string,
  options: ort.InferenceSession.SessionOptions,
  slot: OptimizedModelSlot | undefined,
): Promise<{ session: ort.InferenceSession; cache?: 'hit' | 'saved' }> {
  if (slot?.cached) {
    try {
      return { session: await ort.InferenceSession.create(slot.cached, options), cache: 'hit' };
    } catch {
      slot.forget();
    }
  }
  if (!slot) return { session: await ort.InferenceSession.create(path, options) };
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, { ...options, optimizedModelFilePath: slot.saveTo });
  } catch {
    slot.discard();
    return { session: await ort.InferenceSession.create(path, options) };
  }
  return { session, cache: slot.keep() ? 'saved' : undefined };
}

/** Holds a model for the span of a whole classification (decode + run); see LoadedModel.acquire. */
export interface ModelLease {
  release(): void;
}

export class LoadedModel {
  private inFlight = 0;
  private readonly leases = new Set<ModelLease>();
  private idle: Array<() => void> = [];
  private released = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly descriptor: ModelDescriptor,
  ) {}

  get info(): ModelInfo {
    return this.descriptor.info;
  }

  static async load(path: string, options: LoadOptions = {}): Promise<LoadedModel> {
    const started = performance.now();
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ModelLoadError(
        code === 'ENOENT' ? `model file not found: ${path}` : `cannot read model file ${path}: ${(err as Error).message}`,
        { code: code === 'ENOENT' ? 'not_found' : 'unreadable', filePath: path },
      );
    }
    let header;
    try {
      header = readOnnxHeader(bytes);
    } catch (err) {
      if (err instanceof OnnxFormatError) {
        throw new ModelLoadError(`${path} is not an ONNX model: the file's bytes are not a valid ONNX protobuf (${err.message})`, {
          code: 'not_onnx',
          filePath: path,
          detail: err.message,
        });
      }
      throw err;
    }
    const hash = modelHash(bytes);

    if (!Object.keys(header.metadata).some((k) => k.startsWith(META_PREFIX))) {
      // Fail before starting any session: no provider can make this an RCNN Lens model.
      validateContract(path, header.metadata, [], []);
    }

    const create = (provider: ProviderName) => {
      const open = () => LoadedModel.createSession(path, { hash, bytes: bytes.length }, header.metadata, provider, options);
      return provider === 'cuda' ? openCudaSession(open, ort.env.versions.common) : open();
    };
    const outcome = await openOnProvider(hash, options, create, (err) => err instanceof ModelContractError);
    const model = outcome.value;
    model.descriptor.attempts = outcome.attempts;
    model.descriptor.providerNote = outcome.reason;
    model.descriptor.loadMs = performance.now() - started;
    return model;
  }

  /** One session on one provider, validated against the contract and warmed up. */
  private static async createSession(
    path: string,
    file: { hash: string; bytes: number },
    metadata: Record<string, string>,
    provider: ProviderName,
    options: LoadOptions,
  ): Promise<LoadedModel> {
    const { hash } = file;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.intraOpThreads ?? 0,
      interOpNumThreads: 1,
      enableCpuMemArena: options.cpuMemArena ?? true,
      logSeverityLevel: 4,
    };
    const slot = provider === 'cpu' && options.sessionCache !== false ? optimizedModelSlot(file, ort.env.versions.common) : undefined;
    const { session, cache } = await openSession(path, sessionOptions, slot);
    try {
      const info = validateContract(path, metadata, signatures(session.inputMetadata), signatures(session.outputMetadata));
      const model = new LoadedModel(session, { path, hash, info, provider, attempts: [], loadMs: 0, sessionCache: cache });
      // A warm-up run: onnxruntime finishes some allocation lazily, and a GPU provider
      // that creates a session but cannot execute it must fall back here, not on the
      // user's first image.
      const warm = await model.runUnchecked(new Float32Array(info.input.channels * info.input.height * info.input.width), 1, true);
      // Symbolic dims pass validateContract; the real sizes are checked here.
      info.hiddenWidth = checkWarmUpOutputs(path, info, warm);
      return model;
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Median milliseconds per image of `runs` warm runs at `batch` (logits only, as labeling fetches). */
  async msPerImage(batch: number, runs: number): Promise<number> {
    const { channels, height, width } = this.info.input;
    const input = new Float32Array(batch * channels * height * width);
    await this.run(input, batch, false); // the first run at a new batch size allocates
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await this.run(input, batch, false);
      times.push((performance.now() - t0) / batch);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  }

  /**
   * Counts a caller as using the model until it releases the lease, so release() of a
   * swapped-out model waits for it: a classification still decoding its image keeps the
   * model it started with instead of failing with "the model has been unloaded".
   */
  acquire(): ModelLease {
    if (this.released) throw new Error('the model has been unloaded');
    this.inFlight++;
    let done = false;
    const lease: ModelLease = {
      release: () => {
        if (done) return;
        done = true;
        this.leases.delete(lease);
        this.leaveFlight();
      },
    };
    this.leases.add(lease);
    return lease;
  }

  private leaveFlight(): void {
    if (--this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
  }

  /**
   * Runs a batch laid out as [batch, C, H, W]. `full` = also fetch the per-timestep outputs.
   * A caller holding a lease may run after release() was called; nobody else may.
   * `stepMask` [batch, L] (contract v2, info.stepMask): 0 makes the RNN read the model's neutral vector at
   * that step; without it a model that has the input reads every step (all ones).
   */
  async run(input: Float32Array, batch: number, full = true, lease?: ModelLease, stepMask?: Float32Array): Promise<ModelOutputs> {
    const out = await this.runUnchecked(input, batch, full, lease, stepMask);
    // Every run, not only the warm-up: an output may ignore the batch size.
    checkBatchOutputs(this.descriptor.path, this.info, out, batch);
    return out;
  }

  /** A run whose output sizes the caller checks (the warm-up, which also learns the hidden width). */
  private async runUnchecked(
    input: Float32Array,
    batch: number,
    full: boolean,
    lease?: ModelLease,
    stepMask?: Float32Array,
  ): Promise<ModelOutputs> {
    const { channels, height, width, name } = this.info.input;
    const expected = batch * channels * height * width;
    if (input.length !== expected) {
      throw new Error(`input has ${input.length} values, expected ${expected} for batch ${batch}`);
    }
    const feeds: Record<string, ort.Tensor> = { [name]: new ort.Tensor('float32', input, [batch, channels, height, width]) };
    const mask = stepMaskFeed(this.info, batch, stepMask);
    if (mask) feeds[STEP_MASK_INPUT] = mask;
    const fetches = ['logits'];
    if (full) {
      for (const o of OPTIONAL_OUTPUTS) if (this.session.outputNames.includes(o)) fetches.push(o);
    }
    if (this.released && !(lease && this.leases.has(lease))) throw new Error('the model has been unloaded');
    this.inFlight++;
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run(feeds, fetches);
    } finally {
      this.leaveFlight();
    }
    const get = (k: string): Float32Array | undefined => (result[k] ? (result[k].data as Float32Array) : undefined);
    return {
      batch,
      logits: get('logits')!,
      hidden: get('hidden'),
      stepLogits: get('step_logits'),
      attention: get('attention'),
      gates: get('gates'),
    };
  }

  /** Frees the session once no run is using it (a model swap must not pull it from under a run). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.session.release();
  }
}
