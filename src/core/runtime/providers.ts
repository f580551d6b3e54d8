/**
 * Execution-provider choice. onnxruntime-node does not fall back by itself (a session
 * created with ['webgpu', 'cpu'] throws when there is no adapter), so we try one
 * provider at a time, in an order that depends on the platform, and record why each
 * one that failed did so.
 */
import { ModelLoadError } from './modelLoadError';
export type ProviderSetting = 'auto' | 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';
export type ProviderName = Exclude<ProviderSetting, 'auto'>;

export const PROVIDER_SETTINGS: readonly ProviderSetting[] = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

export function isProviderSetting(v: unknown): v is ProviderSetting {
  return typeof v === 'string' && (PROVIDER_SETTINGS as readonly string[]).includes(v);
}

/** GPU providers worth trying on each platform, best first. */
const GPU_ORDER: Partial<Record<NodeJS.Platform, ProviderName[]>> = {
  win32: ['dml', 'webgpu'],
  darwin: ['coreml', 'webgpu'],
  linux: ['cuda', 'webgpu'],
};

/**
 * The providers to try, in order. CPU always ends the list: an explicit GPU choice
 * that fails still classifies, and the fallback is reported rather than fatal.
 */
export function providerCandidates(setting: ProviderSetting, platform: NodeJS.Platform): ProviderName[] {
  if (setting === 'cpu') return ['cpu'];
  if (setting === 'auto') return [...(GPU_ORDER[platform] ?? []), 'cpu'];
  return [setting, 'cpu'];
}

/** One failed attempt, kept for the output channel. */
export interface ProviderAttempt {
  provider: ProviderName;
  error: string;
}

export interface ProviderOutcome<T> {
  provider: ProviderName;
  value: T;
  attempts: ProviderAttempt[];
}

/**
 * Tries `create` with each candidate until one succeeds. Errors for which `isFatal`
 * is true (a broken model fails on every provider) stop the search at once.
 */
export async function createWithFallback<T>(
  candidates: readonly ProviderName[],
  create: (provider: ProviderName) => Promise<T>,
  isFatal: (err: unknown) => boolean = () => false,
): Promise<ProviderOutcome<T>> {
  const attempts: ProviderAttempt[] = [];
  for (const provider of candidates) {
    try {
      const value = await create(provider);
      return { provider, value, attempts };
    } catch (err) {
      if (isFatal(err)) throw err;
      attempts.push({ provider, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const detail = attempts.map((a) => `${a.provider}: ${a.error}`).join('; ');
  // Every provider refused the file (e.g. its external weights are missing): a model problem.
  throw new NoProviderError(`no execution provider could load the model (${detail})`, attempts);
}

/** No provider on the list could load the model; `attempts` says why for each. */
export class NoProviderError extends ModelLoadError {
  constructor(
    message: string,
    readonly attempts: ProviderAttempt[],
  ) {
    super(message);
  }
}

/**
 * A one-line explanation of the provider in use, for the status bar tooltip and the panel:
 * which providers failed to load, then the measurement or warning (`note`) if there is one.
 */
export function describeFallback(attempts: readonly ProviderAttempt[], chosen: ProviderName, note?: string): string | undefined {
  const failed = attempts.length ? `${attempts.map((a) => a.provider).join(', ')} unavailable` : undefined;
  if (note) return failed ? `${failed}; ${note}` : note;
  return failed ? `${failed}; using ${chosen}` : undefined;
}
