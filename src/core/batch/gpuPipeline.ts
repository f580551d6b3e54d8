/**
 * The GPU labeling path (docs/gpu-labeling.md): one worker holds the only onnxruntime session,
 * decode-only workers on all cores turn files into model inputs. A model batch is split over
 * the decoders, joined in the parent, compacted to the rows that decoded, and sent to the model
 * worker. With two batches in flight (messagesInFlight), the decoders work on batch k+1 while
 * the model runs batch k. A decoder crash costs only the file that causes it (the decoders'
 * WorkerPool isolates it); the session is never restarted for a bad file.
 */
import { OverlapMeter } from './overlapMeter';
import { compactDecoded, decodeChunks, joinDecoded, scatterInferred } from './gpuSchedule';
import type { BatchOutcome, WorkerPool } from './workerPool';
import type { DecodeSpec } from './workerProtocol';

/** Batches under way at once: one being decoded while the previous one runs on the GPU. */
export const GPU_BATCHES_IN_FLIGHT = 2;

export class GpuLabelPipeline {
  readonly overlap = new OverlapMeter();
  private readonly plane: number;

  constructor(
    private readonly model: WorkerPool,
    private readonly decoders: WorkerPool,
    spec: DecodeSpec,
    private readonly contentHash: boolean,
  ) {
    this.plane = spec.input.channels * spec.input.height * spec.input.width;
  }

  get messagesInFlight(): number {
    return GPU_BATCHES_IN_FLIGHT;
  }

  /** Decodes `paths` on the decoders, then runs the model on those that decoded; one outcome per path. */
  async process(paths: string[], runBatch?: number): Promise<BatchOutcome> {
    const n = paths.length;
    const K = this.model.model!.labels.length;
    const ranges = decodeChunks(n, this.decoders.size);
    const decodeStart = performance.now();
    const parts = await Promise.all(ranges.map(([start, end]) => this.decoders.process(paths.slice(start, end))));
    this.overlap.add('decode', decodeStart, performance.now());
    const decoded = joinDecoded(n, this.plane, ranges, parts, this.contentHash);
    const { ok, input } = compactDecoded(decoded.tensor, decoded.errors, this.plane);
    let probs: Float32Array = new Float32Array(n * K);
    let runMs = 0;
    if (ok.length) {
      const inferred = await this.model.infer(input, ok.map((i) => paths[i]), runBatch);
      // The worker's own run time, ending about when its answer arrives (its wait in the queue is not inference).
      const end = performance.now();
      this.overlap.add('infer', end - inferred.runMs, end);
      probs = scatterInferred(n, K, ok, inferred, decoded.errors);
      runMs = inferred.runMs;
    }
    return { probs, errors: decoded.errors, sha256: decoded.sha256, decodeMs: decoded.decodeMs, runMs };
  }
}
