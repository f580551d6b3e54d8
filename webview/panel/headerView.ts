/** The panel header: file, model, where it ran, how long it took, and what the model cannot show. */
import type { ClassifyResultView } from '../../src/shared/protocol';
import { el, setShown } from '../shared/dom';
import { formatMs } from '../shared/format';

export interface HeaderElements {
  fileName: HTMLElement;
  facts: HTMLElement;
  modelName: HTMLElement;
  provider: HTMLElement;
  timing: HTMLElement;
  missingViews: HTMLElement;
}

/** "12.3 ms (decode 2.1, model 3.4)", plus the model load when this run paid for it. */
export function timingText(t: ClassifyResultView['timing']): string {
  const main = `${formatMs(t.totalMs)} ms (decode ${formatMs(t.decodeMs)}, model ${formatMs(t.runMs)})`;
  return t.modelLoadMs !== undefined ? `${main} · model load ${formatMs(t.modelLoadMs)} ms` : main;
}

export function renderHeader(h: HeaderElements, result: ClassifyResultView): void {
  h.fileName.textContent = result.fileName;
  h.fileName.title = result.imagePath;
  setShown(h.facts, true);
  const { model } = result;
  h.modelName.textContent = model.name;
  h.modelName.title = `${model.path}\n${model.rnn.bidirectional ? 'bidirectional ' : ''}${model.rnn.type.toUpperCase()}, ` +
    `grid ${model.grid[0]}×${model.grid[1]}, ${model.scanOrder.replace('_', ' ')} scan, ${model.head} head`;
  const where = `${result.provider}, ${result.model.precision}`;
  h.provider.textContent = result.providerNote ? `${where} (${result.providerNote})` : where;
  h.timing.textContent = timingText(result.timing);

  const missing = model.missingViews;
  setShown(h.missingViews, missing.length > 0);
  h.missingViews.replaceChildren(
    el('strong', { text: 'This model cannot show every view: ' }),
    el('ul', {}, ...missing.map((m) => el('li', { text: m }))),
  );
}

export function renderHeaderForFile(h: HeaderElements, fileName: string, imagePath: string): void {
  h.fileName.textContent = fileName;
  h.fileName.title = imagePath;
}
