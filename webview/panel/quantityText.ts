/** Human descriptions of what the heatmap shows: legend, hover readout, explainer, export file name. */
import { explainedWords } from './explainText';
import { gateWords } from './gateText';
import type { PanelUiState } from './uiState';
import type { ResultModel } from './resultModel';

export interface QuantityWords {
  /** Symbol and name, e.g. "‖hₜ − hₜ₋₁‖ change of the hidden state". */
  name: string;
  /** Short symbol for a value in the readout, e.g. "‖hₜ − hₜ₋₁‖". */
  symbol: string;
  /** What the numbers are measured in. */
  units: string;
  /** What a high value means, in the user's terms. */
  high: string;
}

export function quantityWords(ui: PanelUiState, model: ResultModel): QuantityWords {
  const dir = model.bidirectional && ui.direction !== 'both' ? ` (${ui.direction} RNN)` : '';
  const className = model.result.model.labels[ui.classIndex] ?? String(ui.classIndex);
  switch (ui.quantity) {
    case 'norm':
      return {
        name: `‖hₜ‖ size of the hidden state${dir}`,
        symbol: '‖hₜ‖',
        units: 'Euclidean norm of the state vector (no unit)',
        high: 'the state was large right after this cell was read',
      };
    case 'change':
      return {
        name: `‖hₜ − hₜ₋₁‖ change of the hidden state${dir}`,
        symbol: '‖hₜ − hₜ₋₁‖',
        units: 'Euclidean distance between consecutive states (no unit)',
        high: 'the state changed a lot when this cell was read',
      };
    case 'evidence':
      return {
        name: `step logit of “${className}”`,
        symbol: `logit(${className})`,
        units: 'logits (softmax input; +1 ≈ ×2.7 the odds)',
        high: `after reading up to this cell the model leaned towards “${className}”`,
      };
    case 'unit':
      return {
        name: `hidden unit ${ui.unit}`,
        symbol: `h[${ui.unit}]`,
        units: 'activation of one state unit (−1…1)',
        high: 'this unit was strongly on after this cell was read',
      };
    case 'attention':
      return {
        name: 'attention αₜ',
        symbol: 'αₜ',
        units: `weight of each step in the final answer (the ${model.steps} weights sum to 1)`,
        high: 'the final answer relied on this cell',
      };
    case 'gateWrite':
    case 'gateSaturation':
      return gateWords(ui.quantity, model.result.model.rnn.type, dir);
    case 'occlusion':
    case 'ablation':
    case 'deep':
      return explainedWords(ui.quantity, model.result.model.labels[model.explainedClass ?? -1]);
  }
}

/** The legend's caption: what is shown, in which units, and what high means. */
export function quantityCaption(ui: PanelUiState, model: ResultModel): string {
  const w = quantityWords(ui, model);
  return `${w.name}, in ${w.units}; colours span all ${model.steps} steps. High = ${w.high}.`;
}

/**
 * The short paragraph above the heatmap: how to read the map that is showing (not the
 * step predictions, which have their own card). The hatching sentence appears only while
 * cells are hatched, i.e. before the last step.
 */
export function heatmapExplainer(ui: PanelUiState, model: ResultModel): string {
  const w = quantityWords(ui, model);
  const { rows, cols } = model.shape;
  const order = model.result.model.scanOrder;
  const reading = `The RNN reads the ${rows}×${cols} grid of the model's input one cell per step (${order} order).`;
  const colour = `Each cell's colour is the ${w.name} at the step that read it: high = ${w.high}.`;
  const unread = ui.timestep < model.steps ? ` Cells not read yet at step ${ui.timestep} are dimmed and hatched.` : '';
  return `${reading} ${colour}${unread}`;
}

/** e.g. "cat-norm-t12.png" */
export function exportFileName(fileName: string, ui: PanelUiState): string {
  const base = fileName.replace(/\.[^.]+$/, '') || 'image';
  return `${base}-${ui.quantity}-t${ui.timestep}.png`;
}
