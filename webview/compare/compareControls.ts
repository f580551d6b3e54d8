/**
 * The compare panel's shared controls: Show (only quantities both sides have), its class
 * or unit, colormap, opacity and the Difference toggle. `sync` reflects the choices;
 * user edits come back through `onChange` as a partial CompareUi.
 */
import type { Comparability } from '../../src/shared/comparability';
import { isColormapName } from '../../src/shared/heatmap/colormaps';
import { isQuantityKind } from '../../src/shared/heatmap/quantities';
import { QUANTITY_NAMES } from '../../src/shared/heatmap/quantityNames';
import { setShown } from '../shared/dom';
import { setDropdown, toolkitOption } from '../shared/toolkit';
import type { CompareDom } from './compareDom';
import type { CompareUi } from './compareUi';

export class CompareControls {
  private optionsKey = '';

  constructor(
    private readonly d: CompareDom,
    onChange: (patch: Partial<CompareUi>) => void,
  ) {
    d.quantity.addEventListener('change', () => isQuantityKind(d.quantity.value) && onChange({ quantity: d.quantity.value }));
    d.classSelect.addEventListener('change', () => onChange({ classLabel: d.classSelect.value }));
    d.unit.addEventListener('change', () => {
      const u = Math.max(0, Math.round(Number(d.unit.value) || 0));
      d.unit.value = String(u);
      onChange({ unit: u });
    });
    d.colormap.addEventListener('change', () => isColormapName(d.colormap.value) && onChange({ colormap: d.colormap.value }));
    d.opacity.addEventListener('input', () => onChange({ opacity: Number(d.opacity.value) }));
    d.difference.addEventListener('change', () => onChange({ difference: d.difference.checked }));
  }

  /** Fills the Show and Class lists for a new pair of results. */
  setOptions(c: Comparability, maxUnit: number): void {
    const key = `${c.quantities.join()}|${c.commonLabels.join('\u0000')}`;
    this.d.unit.max = String(Math.max(0, maxUnit));
    if (key === this.optionsKey) return;
    this.optionsKey = key;
    this.d.quantity.replaceChildren(...c.quantities.map((k) => toolkitOption(k, QUANTITY_NAMES[k])));
    this.d.classSelect.replaceChildren(...c.commonLabels.map((l) => toolkitOption(l, l)));
    this.d.quantity.disabled = c.quantities.length === 0;
  }

  sync(ui: CompareUi): void {
    setDropdown(this.d.quantity, ui.quantity);
    setShown(this.d.classField, ui.quantity === 'evidence');
    if (ui.quantity === 'evidence') setDropdown(this.d.classSelect, ui.classLabel);
    setShown(this.d.unitField, ui.quantity === 'unit');
    this.d.unit.value = String(ui.unit);
    setDropdown(this.d.colormap, ui.colormap);
    this.d.opacity.value = String(ui.opacity);
    if (this.d.difference.checked !== ui.difference) this.d.difference.checked = ui.difference;
  }
}
