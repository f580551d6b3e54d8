/**
 * Messages between the extension host and the Training panel (webview/training). The host
 * sends the whole view state each time (a few hundred numbers at most), so the webview
 * keeps no history of its own and a restored panel shows what it last saw.
 */
import type { ReadyMessage } from './messaging';

export type TrainingStatus = 'preparing' | 'running' | 'validating' | 'done' | 'failed' | 'cancelled';

export interface TrainingEpochPoint {
  epoch: number;
  epochs: number;
  loss: number;
  /** 0..1; NaN-free (null when the trainer had no validation images). */
  valAcc: number | null;
  etaS?: number;
}

export interface TrainingResultView {
  model: string;
  valAcc: number | null;
  labels: string[];
  /** confusion[true][predicted] */
  confusion: number[][];
}

export interface TrainingViewState {
  folder: string;
  status: TrainingStatus;
  /** One line for the status bar of the panel (errors, "cancelled, checkpoint kept", …). */
  message: string;
  counts: Record<string, number>;
  from: string;
  epochs: TrainingEpochPoint[];
  result?: TrainingResultView;
}

/** On the shared envelope (messaging.ts): `type`-tagged messages, the webview says `ready` first. No requests. */
export type HostToTraining = { type: 'state'; state: TrainingViewState };
export type TrainingToHost = ReadyMessage | { type: 'cancel' };

export function isTrainingToHost(v: unknown): v is TrainingToHost {
  const t = (v as { type?: unknown } | null)?.type;
  return t === 'ready' || t === 'cancel';
}
