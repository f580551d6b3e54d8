/**
 * The readout under the pointer: which cell of the model's grid is there, the step that
 * read it, the shown quantity's value there in its own units, and the class probabilities
 * after that step. Pure, so it is unit-tested; panelController feeds it pointer positions.
 */
import type { Rect } from '../../src/shared/heatmap/alignment';
import { stepOfCell } from '../../src/core/model/scanOrder';
import { formatPercent, formatValue } from '../shared/format';
import { quantityWords } from './quantityText';
import type { ResultModel } from './resultModel';
import { quantitySpec, type PanelUiState } from './uiState';

/** Classes listed in the readout. */
const READOUT_CLASSES = 3;

/** The grid cell at a point (canvas pixels), or undefined outside the model's crop. */
export function cellAtPoint(x: number, y: number, crop: Rect, rows: number, cols: number): { row: number; col: number } | undefined {
  if (!(crop.width > 0 && crop.height > 0)) return undefined;
  const u = (x - crop.x) / crop.width;
  const v = (y - crop.y) / crop.height;
  if (u < 0 || u >= 1 || v < 0 || v >= 1) return undefined;
  return { row: Math.min(rows - 1, Math.floor(v * rows)), col: Math.min(cols - 1, Math.floor(u * cols)) };
}

export function readoutText(model: ResultModel, ui: PanelUiState, row: number, col: number): string {
  const { rows, cols, order } = model.shape;
  const step = stepOfCell(rows, cols, order)[row * cols + col];
  const parts = [`Cell (${row}, ${col}) · step ${step + 1} of ${model.steps}`];
  const quantity = model.gridQuantity(quantitySpec(ui));
  if (quantity) parts.push(`${quantityWords(ui, model).symbol} = ${formatValue(quantity.values[step])}`);
  const probs = model.stepProbabilities();
  if (probs) {
    const k = model.classes;
    const labels = model.result.model.labels;
    const ranked = Array.from({ length: k }, (_, i) => i).sort((a, b) => probs[step * k + b] - probs[step * k + a]);
    const top = ranked.slice(0, READOUT_CLASSES).map((i) => `${labels[i] ?? i} ${formatPercent(probs[step * k + i])}`);
    parts.push(`after step ${step + 1}: ${top.join(', ')}`);
  }
  if (ui.timestep < model.steps && step >= ui.timestep) parts.push('not read yet at the current step');
  return parts.join(' · ');
}
