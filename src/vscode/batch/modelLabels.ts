/**
 * The class list of the model that made a labels file, for the review's digit keys. Reading
 * it means hashing the whole model file, which the review would otherwise repeat each time
 * its tab is shown again (hidden webviews are not kept), so the result is kept per model
 * file and invalidated when its size or modification time changes. No vscode import.
 */
import { readFile } from 'node:fs/promises';
import { modelHash } from '../../core/model/modelHash';
import { readOnnxHeader } from '../../core/model/onnxProto';
import { fileStamp } from '../../core/util/fileStamp';

interface ModelFacts {
  /** First 16 hex digits of the SHA-256, as labels files record it. */
  hash: string;
  labels: string[] | undefined;
}

const KEEP_MODELS = 4;

export class ModelLabelsCache {
  private readonly byFile = new Map<string, { version: string; facts: Promise<ModelFacts | undefined> }>();

  constructor(private readonly read: (file: string) => Promise<Uint8Array> = readFile) {}

  /** The class list in model output order, if the model at `modelPath` is the one with `hash` (any model when no hash). */
  async labelsFor(modelPath: string, hash: string | undefined): Promise<string[] | undefined> {
    const facts = await this.factsOf(modelPath);
    if (!facts || (hash && facts.hash !== hash)) return undefined;
    return facts.labels;
  }

  private async factsOf(modelPath: string): Promise<ModelFacts | undefined> {
    const version = await fileStamp(modelPath).catch(() => undefined);
    if (version === undefined) return undefined;
    const cached = this.byFile.get(modelPath);
    if (cached?.version === version) return cached.facts;
    const facts = this.readFacts(modelPath);
    this.byFile.delete(modelPath);
    this.byFile.set(modelPath, { version, facts });
    while (this.byFile.size > KEEP_MODELS) this.byFile.delete(this.byFile.keys().next().value as string);
    return facts;
  }

  private async readFacts(modelPath: string): Promise<ModelFacts | undefined> {
    try {
      const bytes = await this.read(modelPath);
      return { hash: modelHash(bytes), labels: labelsInHeader(bytes) };
    } catch {
      return undefined;
    }
  }
}

function labelsInHeader(bytes: Uint8Array): string[] | undefined {
  try {
    const labels: unknown = JSON.parse(readOnnxHeader(bytes).metadata['rcnn_lens.labels'] ?? 'null');
    return Array.isArray(labels) && labels.every((l) => typeof l === 'string') ? labels : undefined;
  } catch {
    return undefined;
  }
}
