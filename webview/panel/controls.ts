/**
 * The heatmap's controls: which quantity (and its class / unit / direction), colormap,
 * opacity, threshold and the scan-order toggle. `sync` reflects a state into the
 * controls; user edits come back through `onChange` as partial state.
 */
import type { QuantityKind } from '../../src/shared/heatmap/quantities';
import { isColormapName } from '../../src/shared/heatmap/colormaps';
import { isDirection, isQuantityKind, quantityNeeds } from '../../src/shared/heatmap/quantities';
import type { ValueRange } from '../../src/shared/heatmap/normalize';
import { thresholdFromUnits } from './thresholdUnits';
import { formatValue } from '../shared/format';
import { setShown } from '../shared/dom';
import type { ResultModel } from './resultModel';
import { setDropdown, toolkitOption, type ToolkitCheckbox, type ToolkitDropdown } from '../shared/toolkit';
import { quantitySpec, type PanelUiState } from './uiState';

export interface ControlElements {
  quantity: ToolkitDropdown;
  classField: HTMLElement;
  classSelect: ToolkitDropdown;
  unitField: HTMLElement;
  unit: HTMLInputElement;
  unitHint: HTMLElement;
  directionField: HTMLElement;
  direction: ToolkitDropdown;
  colormap: ToolkitDropdown;
  opacity: HTMLInputElement;
  opacityValue: HTMLOutputElement;
  threshold: HTMLInputElement;
  thresholdValue: HTMLOutputElement;
  scanOrder: ToolkitCheckbox;
}

const MISSING: Record<ReturnType<typeof quantityNeeds>, string> = {
  hidden: 'This model has no `hidden` output',
  stepLogits: 'This model has no `step_logits` output',
  attention: 'This model has no `attention` output',
  explanation: '',
  stepMask: 'This model has no `step_mask` input (model contract v2): re-export it to get timestep ablation',
  gates: 'This model has no `gates` output (model contract v2, written for one-layer RNNs): re-export it to get gate maps',
};

/** Quantities the Direction control splits (by the hidden state's halves or the gates' blocks). */
const DIRECTED = new Set(['norm', 'change', 'gateWrite', 'gateSaturation']);

export class Controls {
  private labelsKey = '';
  /** The shown quantity's range: the threshold slider works in its units. */
  private range: ValueRange | undefined;

  constructor(
    private readonly c: ControlElements,
    private readonly onChange: (patch: Partial<PanelUiState>) => void,
  ) {
    c.quantity.addEventListener('change', () => isQuantityKind(c.quantity.value) && onChange({ quantity: c.quantity.value }));
    c.classSelect.addEventListener('change', () => {
      const k = Number(c.classSelect.value);
      if (Number.isInteger(k)) onChange({ classIndex: k });
    });
    c.unit.addEventListener('change', () => {
      const max = Number(c.unit.max);
      const u = Math.min(max, Math.max(0, Math.round(Number(c.unit.value) || 0)));
      c.unit.value = String(u);
      onChange({ unit: u });
    });
    c.direction.addEventListener('change', () => isDirection(c.direction.value) && onChange({ direction: c.direction.value }));
    c.colormap.addEventListener('change', () => isColormapName(c.colormap.value) && onChange({ colormap: c.colormap.value }));
    c.opacity.addEventListener('input', () => onChange({ opacity: Number(c.opacity.value) }));
    c.threshold.addEventListener('input', () => onChange({ threshold: thresholdFromUnits(Number(c.threshold.value), this.range) }));
    c.scanOrder.addEventListener('change', () => onChange({ showScanOrder: c.scanOrder.checked }));
  }

  /** Options the model can feed are enabled; the others say which output is missing. */
  configure(model: ResultModel): void {
    for (const option of Array.from(this.c.quantity.querySelectorAll('vscode-option'))) {
      const kind = option.getAttribute('value') as QuantityKind;
      const available = model.isAvailable(kind);
      option.toggleAttribute('disabled', !available);
      option.setAttribute('title', available ? '' : MISSING[quantityNeeds(kind)]);
    }
    const labels = model.result.model.labels;
    const key = labels.join('\u0000');
    if (key !== this.labelsKey) {
      this.labelsKey = key;
      this.c.classSelect.replaceChildren(...labels.map((label, i) => toolkitOption(String(i), label)));
    }
    this.c.unit.max = String(Math.max(0, model.hiddenWidth - 1));
  }

  sync(ui: PanelUiState, model: ResultModel): void {
    const c = this.c;
    setDropdown(c.quantity, ui.quantity);
    setShown(c.classField, ui.quantity === 'evidence');
    setDropdown(c.classSelect, String(ui.classIndex));
    setShown(c.unitField, ui.quantity === 'unit');
    c.unit.value = String(ui.unit);
    c.unitHint.textContent = unitHint(ui.unit, model);
    // Direction splits the hidden state's norm and change and the gate maps; the unit index already names a half.
    setShown(c.directionField, model.bidirectional && DIRECTED.has(ui.quantity));
    setDropdown(c.direction, ui.direction);
    setDropdown(c.colormap, ui.colormap);
    c.opacity.value = String(ui.opacity);
    c.opacityValue.textContent = `${Math.round(ui.opacity * 100)}%`;
    this.range = model.gridQuantity(quantitySpec(ui))?.range;
    syncThreshold(c.threshold, c.thresholdValue, ui.threshold, this.range);
    c.scanOrder.checked = ui.showScanOrder;
  }
}

/**
 * The threshold slider in the legend's units: from the shown quantity's minimum to its
 * maximum. The state keeps the position as a fraction of that range (what the painter
 * compares against), so switching quantities keeps the same relative cut.
 */
function syncThreshold(input: HTMLInputElement, output: HTMLOutputElement, fraction: number, range: ValueRange | undefined): void {
  const usable = !!range && range.max > range.min;
  input.disabled = !usable;
  if (!usable) {
    output.textContent = range ? formatValue(range.min) : '–';
    return;
  }
  const span = range.max - range.min;
  input.min = String(range.min);
  input.max = String(range.max);
  input.step = String(span / 100);
  input.value = String(range.min + fraction * span);
  output.textContent = fraction > 0 ? `< ${formatValue(range.min + fraction * span)}` : 'off';
}

function unitHint(unit: number, model: ResultModel): string {
  const d = model.hiddenWidth;
  if (!model.bidirectional || d < 2) return `of 0…${Math.max(0, d - 1)}`;
  const half = Math.floor(d / 2);
  return unit < half ? `forward unit ${unit} (0…${d - 1})` : `backward unit ${unit - half} (0…${d - 1})`;
}
