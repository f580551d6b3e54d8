/**
 * `auto` chooses an execution provider by measurement, not by name: a GPU provider that loads
 * is timed against the CPU on warm runs and used only when it is faster. A software adapter
 * (SwiftShader, lavapipe in a VM or container) loads WebGPU happily and is 50-200x slower
 * than the CPU, so loading is no evidence of speed.
 */
import type { ProviderChoiceCache } from './providerChoiceCache';
import { type ProviderAttempt, type ProviderName, type ProviderOutcome, createWithFallback } from './providers';

export interface Measurable {
  /** Milliseconds per image of warm runs at `batch` (the median of `runs`). */
  msPerImage(batch: number, runs: number): Promise<number>;
  release(): Promise<void>;
}

export interface MeasureOptions {
  /** The batch each provider would run at: 1 for classify, the labeling batch for Label Folder. */
  batchFor: (provider: ProviderName) => number;
  cache?: ProviderChoiceCache;
  cacheKey?: string;
  /** Words for the adapter in messages, e.g. "software" when only an emulated GPU is present. */
  adapterNote?: string;
  runs?: number;
}

export interface MeasuredOutcome<T> extends ProviderOutcome<T> {
  /** Why this provider, in words for the status bar, the panel and the log. */
  reason?: string;
}

/** A GPU this much slower than the CPU on one image is not timed at its big batch. */
const HOPELESS_AT_BATCH_1 = 10;

export function ratioText(a: number, b: number): string {
  const r = a / b;
  return r >= 10 ? `${Math.round(r)}×` : `${r.toFixed(1)}×`;
}

export async function chooseByMeasurement<T extends Measurable>(
  gpus: readonly ProviderName[],
  create: (provider: ProviderName) => Promise<T>,
  isFatal: (err: unknown) => boolean,
  options: MeasureOptions,
): Promise<MeasuredOutcome<T>> {
  const cached = options.cacheKey ? options.cache?.get(options.cacheKey) : undefined;
  if (cached && (cached.provider === 'cpu' || gpus.includes(cached.provider))) {
    const order: ProviderName[] = cached.provider === 'cpu' ? ['cpu'] : [cached.provider, 'cpu'];
    const outcome = await createWithFallback(order, create, isFatal);
    return { ...outcome, reason: outcome.provider === cached.provider ? cached.reason : undefined };
  }
  const cpu = await create('cpu').catch((err) => {
    if (isFatal(err)) throw err;
    return undefined;
  });
  if (!cpu) return createWithFallback(gpus, create, isFatal); // no CPU baseline: the first GPU that loads
  const runs = options.runs ?? 3;
  const attempts: ProviderAttempt[] = [];
  let best: { provider: ProviderName; value: T; ms: number } = { provider: 'cpu', value: cpu, ms: Infinity };
  const cpuMs = new Map<number, number>();
  const cpuAt = async (batch: number) => {
    if (!cpuMs.has(batch)) cpuMs.set(batch, await cpu.msPerImage(batch, runs));
    return cpuMs.get(batch)!;
  };
  const notes: string[] = [];
  for (const provider of gpus) {
    const gpu = await create(provider).catch((err) => {
      if (isFatal(err)) throw err;
      attempts.push({ provider, error: err instanceof Error ? err.message : String(err) });
      return undefined;
    });
    if (!gpu) continue;
    if (best.provider === 'cpu' && best.ms === Infinity) best.ms = await cpuAt(options.batchFor('cpu')); // only now worth timing
    const ms = await timeGpu(gpu, options.batchFor(provider), runs, await cpuAt(1));
    const where = options.adapterNote ? ` on this adapter (${options.adapterNote})` : '';
    if (ms < best.ms) {
      notes.push(`${provider} ${ratioText(best.ms, ms)} faster than ${best.provider}${where}`);
      if (best.provider !== 'cpu') await best.value.release();
      best = { provider, value: gpu, ms };
    } else {
      notes.push(`${provider} ${ratioText(ms, best.ms)} slower than ${best.provider}${where}`);
      await gpu.release();
    }
  }
  if (best.provider !== 'cpu') await cpu.release();
  const reason = notes.length ? `${notes.join('; ')}: using ${best.provider}` : undefined;
  if (reason && options.cacheKey) {
    options.cache?.set(options.cacheKey, { provider: best.provider, reason, measuredAt: new Date().toISOString() });
  }
  return { provider: best.provider, value: best.value, attempts, reason };
}

/** ms per image at `batch`; a GPU already hopeless on one image is not run at its big batch. */
async function timeGpu(gpu: Measurable, batch: number, runs: number, cpuMsAt1: number): Promise<number> {
  const at1 = await gpu.msPerImage(1, runs);
  if (batch === 1 || at1 > HOPELESS_AT_BATCH_1 * cpuMsAt1) return at1;
  return gpu.msPerImage(batch, runs);
}
