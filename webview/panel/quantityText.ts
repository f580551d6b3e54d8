/** Human descriptions of what the heatmap shows, for the legend and the exported file name. */
import type { PanelUiState } from './uiState';
import type { ResultModel } from './resultModel';

export function quantityCaption(ui: PanelUiState, model: ResultModel): string {
  const dir = model.bidirectional && ui.direction !== 'both' ? ` (${ui.direction})` : '';
  const scale = `scaled over all ${model.steps} steps`;
  switch (ui.quantity) {
    case 'norm':
      return `‖hₜ‖ hidden-state norm${dir}, ${scale}`;
    case 'change':
      return `‖hₜ − hₜ₋₁‖ change of state${dir}, ${scale}`;
    case 'evidence':
      return `Step logit of “${model.result.model.labels[ui.classIndex] ?? ui.classIndex}”, ${scale}`;
    case 'unit':
      return `Hidden unit ${ui.unit}, ${scale}`;
    case 'attention':
      return `Attention αₜ, ${scale}`;
  }
}

/** e.g. "cat-norm-t12.png" */
export function exportFileName(fileName: string, ui: PanelUiState): string {
  const base = fileName.replace(/\.[^.]+$/, '') || 'image';
  return `${base}-${ui.quantity}-t${ui.timestep}.png`;
}
