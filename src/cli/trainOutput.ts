/** What `rcnn-lens train` prints for a person: a progress line and the closing summary. */
import type { TrainEvent } from '../core/training/trainEvents';
import type { TrainJobResult } from '../core/training/trainJob';
import { printableLine } from '../core/util/printable';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

export function formatSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

export function trainProgressLine(e: TrainEvent): string | undefined {
  if (e.event === 'start') return 'training: loading images…';
  if (e.event !== 'epoch') return undefined;
  return `epoch ${e.epoch}/${e.epochs}  loss ${e.loss.toFixed(4)}  val acc ${pct(e.val_acc)}  ETA ${formatSeconds(e.eta_s)}`;
}

export function trainSummary(r: TrainJobResult): string {
  const counts = Object.entries(r.counts).map(([c, n]) => `${c} ${n}`).join(', ');
  const lines = [
    `wrote ${r.model.path}: ${r.model.name}, ${r.model.labels.length} classes, validation accuracy ${pct(r.done.val_acc)}`,
    `trained on ${counts} in ${formatSeconds(r.seconds)}${r.resumed ? ' (resumed)' : ''}; the model passes the RCNN Lens contract check`,
    `use it: rcnn-lens classify IMAGE --model ${r.model.path}`,
  ];
  return lines.map((l) => printableLine(l) + '\n').join('');
}
