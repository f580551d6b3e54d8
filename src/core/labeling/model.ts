/** The model side of a run: its identity (hash), its one start-up in the workers, and a summary without it. */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { modelHash } from '../model/modelHash';
import type { LabelPool } from '../batch/labelPool';
import type { ModelSummary } from '../batch/workerPool';
import { parseJsonLine } from '../labelsFile/records';
import { ModelFileError } from './errors';

/** The same identity LoadedModel gives a model: the first 16 hex digits of its SHA-256. */
export async function hashModelFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ModelFileError(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? `model file not found: ${file}` : `cannot read model file ${file}: ${(err as Error).message}`,
    );
  }
  return modelHash(bytes);
}

/** When nothing needed labeling, the model was never loaded: describe it from the reused records. */
export function modelFromRecords(records: Iterable<string>, hash: string, modelPath: string): ModelSummary {
  const labels = new Set<string>();
  let name = path.basename(modelPath, '.onnx');
  for (const line of records) {
    const r = parseJsonLine(line);
    if (!r) continue;
    name = r.model.name;
    for (const t of r.topk ?? []) labels.add(t.label);
  }
  return { name, hash, labels: [...labels], provider: 'none', loadMs: 0 };
}

/**
 * Starts the workers' model once, however many stages ask for it (a run starts it early, while
 * it scans, when it knows there will be work); `model` is set once it is up.
 */
export class ModelStarter {
  model: ModelSummary | undefined;
  /** How long the start took (ms). */
  startMs = 0;
  private starting: Promise<ModelSummary> | undefined;
  constructor(private readonly pool: LabelPool, private readonly checkCancel: () => void) {}

  async start(): Promise<ModelSummary> {
    this.starting ??= (async () => {
      const t = performance.now();
      const m = await this.pool.start();
      this.startMs = performance.now() - t;
      return m;
    })();
    this.model = await this.starting;
    this.checkCancel();
    return this.model;
  }

  /** Starts it in the background (a failure shows when a stage awaits start()). */
  startEarly(): void {
    this.start().catch(() => undefined);
  }
}
