/**
 * What the status bar says about where the model runs. A CPU-only machine is a normal
 * state: `auto` trying the GPU providers and settling on the CPU is not a warning. The
 * warning is kept for a provider the user named in the setting that could not be used.
 * No vscode import, so it is testable.
 */
import type { ProviderAttempt } from '../../core/runtime/providers';

export interface ProviderStatus {
  /** Status bar text, with codicons. */
  text: string;
  /** A sentence for the tooltip when something the user asked for did not happen. */
  warning?: string;
  /** A sentence for the tooltip about providers `auto` tried first (not a problem). */
  note?: string;
}

export function providerStatus(provider: string, requested: string, attempts: readonly ProviderAttempt[]): ProviderStatus {
  const failedRequest = requested !== 'auto' && requested !== provider;
  if (failedRequest) {
    return {
      text: `$(eye) RCNN: ${provider} $(warning)`,
      warning: `The setting asks for ${requested}, which could not be used; running on ${provider}.`,
    };
  }
  const tried = attempts.map((a) => a.provider).filter((p) => p !== provider);
  return {
    text: `$(eye) RCNN: ${provider}`,
    note: tried.length ? `Automatic choice: ${tried.join(', ')} not available on this machine.` : undefined,
  };
}
