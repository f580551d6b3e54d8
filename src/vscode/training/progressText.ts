/** The one-line progress texts of a training run (notification and panel). Pure: unit-tested. */
import type { TrainEpoch } from '../../core/training/trainEvents';

export const percent = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(1)}%`);

export function epochMessage(e: TrainEpoch): string {
  // At the last epoch the trainer says eta 0: no "about 1 min left" then.
  const eta = e.eta_s !== undefined && e.eta_s > 0 ? `, about ${Math.max(1, Math.round(e.eta_s / 60))} min left` : '';
  return `Epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(3)}, validation accuracy ${percent(Number.isFinite(e.val_acc) ? e.val_acc : null)}${eta}`;
}
