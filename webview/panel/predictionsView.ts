/** Final top-k predictions, and the JSON the "Copy JSON" button hands to the host. */
import type { ClassifyResultView } from '../../src/shared/protocol';
import { renderBars } from '../shared/probabilityBars';

export function renderPredictions(list: HTMLElement, topLabel: HTMLElement, result: ClassifyResultView): void {
  topLabel.textContent = result.top[0]?.label ?? '';
  renderBars(
    list,
    result.top.map((p) => ({ label: p.label, probability: p.score })),
  );
}

/** What the clipboard gets: enough to identify the image and model, and the ranked classes. */
export function predictionsJson(result: ClassifyResultView): string {
  return JSON.stringify(
    {
      image: result.imagePath,
      model: result.model.name,
      predictions: result.top.map((p) => ({ label: p.label, index: p.index, probability: p.score })),
    },
    null,
    2,
  );
}
