/** Final top-k predictions (the "Copy JSON" text is in predictionsJson.ts). */
import type { ClassifyResultView } from '../../src/shared/protocol';
import { renderBars } from '../shared/probabilityBars';

export function renderPredictions(list: HTMLElement, topLabel: HTMLElement, result: ClassifyResultView): void {
  topLabel.textContent = result.top[0]?.label ?? '';
  renderBars(
    list,
    result.top.map((p) => ({ label: p.label, probability: p.score })),
  );
}
