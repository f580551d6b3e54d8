/**
 * The workers of a labeling run, chosen by where the model lands. With the `cpu` setting it is
 * the WorkerPool as it always was: N workers, each with its own session, decoding and classifying
 * whole batches. Otherwise one worker loads the model first; if its provider is a GPU, that worker
 * stays the only session and decode-only workers on all cores feed it (GpuLabelPipeline); if it
 * fell back to the CPU, the other CPU workers start as usual.
 */
import { GpuLabelPipeline } from './gpuPipeline';
import { isGpuProvider } from './gpuSchedule';
import type { OverlapReport } from './overlapMeter';
import { PoolFailedError } from './poolFailedError';
import { type BatchOutcome, type ModelSummary, type PoolOptions, WorkerPool } from './workerPool';

export interface LabelPoolOptions extends PoolOptions {
  /** Decode-only workers on the GPU path (all cores by default). */
  decodeWorkers: number;
}

/** How the GPU path ran, for the run's summary. */
export interface GpuPathReport {
  decoders: number;
  overlap: OverlapReport;
}

export class LabelPool {
  private readonly models: WorkerPool;
  private decoders: WorkerPool | undefined;
  private gpu: GpuLabelPipeline | undefined;
  private starting: Promise<ModelSummary> | undefined;
  private disposed = false;

  constructor(private readonly options: LabelPoolOptions) {
    this.models = new WorkerPool(options);
  }

  start(): Promise<ModelSummary> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<ModelSummary> {
    if (this.options.provider === 'cpu') return this.models.start();
    let model: ModelSummary;
    try {
      model = await this.models.startFirst();
    } catch (err) {
      if (this.disposed) throw err;
      // As the CPU pool does when one worker cannot load: the others may (they fail alike for a broken model).
      this.options.log?.(`the first labeling worker could not start (${(err as Error).message}); starting the others`);
      return this.models.start();
    }
    if (!isGpuProvider(model.provider)) return this.models.start();
    if (this.disposed) throw new PoolFailedError('the labeling workers were stopped');
    const decodeSpec = this.models.decodeSpec;
    if (!decodeSpec) throw new PoolFailedError('the model worker did not say what its model reads');
    this.decoders = new WorkerPool({ ...this.options, workers: Math.max(1, this.options.decodeWorkers), decodeSpec });
    await this.decoders.start();
    this.gpu = new GpuLabelPipeline(this.models, this.decoders, decodeSpec, this.options.contentHash === true);
    this.options.log?.(`labeling on ${model.provider}: one session, ${this.decoders.size} decode worker(s)`);
    return model;
  }

  process(paths: string[], runBatch?: number): Promise<BatchOutcome> {
    return this.gpu ? this.gpu.process(paths, runBatch) : this.models.process(paths, runBatch);
  }

  /** Messages the labeling stage keeps under way. */
  get messagesInFlight(): number {
    return this.gpu ? this.gpu.messagesInFlight : this.models.messagesInFlight;
  }

  /** Worker processes that label (the decoders on the GPU path). */
  get workers(): number {
    return this.decoders ? this.decoders.size : this.models.size;
  }

  /** onnxruntime sessions the run's workers loaded. */
  get sessions(): number {
    return this.models.sessionsLoaded;
  }

  get restarts(): number {
    return this.models.restarts + (this.decoders?.restarts ?? 0);
  }

  gpuReport(): GpuPathReport | undefined {
    return this.gpu && this.decoders ? { decoders: this.decoders.size, overlap: this.gpu.overlap.report() } : undefined;
  }

  workerCpuMs(): number {
    return this.models.workerCpuMs() + (this.decoders?.workerCpuMs() ?? 0);
  }

  pids(): number[] {
    return [...this.models.pids(), ...(this.decoders?.pids() ?? [])];
  }

  dispose(): void {
    this.disposed = true;
    this.models.dispose();
    this.decoders?.dispose();
  }
}
