/**
 * The Training panel: live loss / accuracy curves, the confusion matrix at the end, and
 * Cancel. Everything it shows comes in `state` messages (src/shared/trainingProtocol.ts)
 * and is kept with setState, so a restored panel shows what it last saw.
 */
import type { HostToTraining, TrainingViewState } from '../../src/shared/trainingProtocol';
import { byTestId } from '../shared/dom';
import { registerToolkit } from '../shared/toolkit';
import { vscodeApi } from '../shared/vscodeApi';
import { renderConfusion } from './confusion';
import { drawCurve } from './curves';

registerToolkit();
const api = vscodeApi<TrainingViewState>();
const root = document.body;
const q = <T extends Element>(id: string, ctor: abstract new (...args: never[]) => T) => byTestId(root, id, ctor);
const main = q('training', HTMLElement);
const cancel = q('training-cancel', HTMLElement);

const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(1)}%`);
const eta = (s: number | undefined) => (s === undefined || !Number.isFinite(s) ? '–' : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);

function render(s: TrainingViewState): void {
  main.dataset.status = s.status;
  q('training-status', HTMLElement).textContent = s.message;
  q('training-classes', HTMLElement).textContent = Object.entries(s.counts).map(([c, n]) => `${c} (${n})`).join(', ') || '–';
  q('training-from', HTMLElement).textContent = s.from;
  const last = s.epochs.at(-1);
  q('training-epoch', HTMLElement).textContent = last ? `${last.epoch} / ${last.epochs}` : '–';
  q('training-acc', HTMLElement).textContent = pct(s.result?.valAcc ?? last?.valAcc);
  q('training-eta', HTMLElement).textContent = s.status === 'running' ? eta(last?.etaS) : '–';
  const live = s.status === 'preparing' || s.status === 'running';
  cancel.hidden = !live;
  const xs = s.epochs.map((e) => e.epoch);
  drawCurve(q('loss-chart', HTMLCanvasElement), xs, s.epochs.map((e) => e.loss), { yMin: 0, format: (y) => y.toFixed(3) });
  drawCurve(q('acc-chart', HTMLCanvasElement), xs, s.epochs.map((e) => e.valAcc), { yMin: 0, yMax: 1, format: (y) => `${Math.round(100 * y)}%` });
  const section = q('confusion-section', HTMLElement);
  section.hidden = !s.result?.confusion.length;
  if (s.result?.confusion.length) renderConfusion(q('confusion', HTMLTableElement), s.result.labels, s.result.confusion);
}

cancel.addEventListener('click', () => api.postMessage({ type: 'cancel' }));
window.addEventListener('message', (event: MessageEvent<HostToTraining>) => {
  const msg = event.data;
  if (msg?.type !== 'state') return;
  api.setState(msg.state);
  render(msg.state);
});
window.addEventListener('resize', () => {
  const s = api.getState();
  if (s) render(s);
});

// A saved state exists only when the panel was restored after a reload: the run it showed stopped
// with the previous extension host (which cancels it, keeping its checkpoint).
const saved = api.getState();
if (saved) {
  const stopped = saved.status === 'preparing' || saved.status === 'running' || saved.status === 'validating';
  render(stopped ? { ...saved, status: 'cancelled', message: 'This training stopped when the window reloaded: run Train Model on Folder again to resume it.' } : saved);
}
api.postMessage({ type: 'ready' });
