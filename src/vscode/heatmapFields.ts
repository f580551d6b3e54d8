import { QUANTITY_KINDS } from '../shared/heatmap/quantities';
import { QUANTITY_NAMES } from '../shared/heatmap/quantityNames';
import { escapeHtml } from './webviewDocument';

/**
 * Heatmap controls that the classify and compare panels share, as HTML fragments (the pages'
 * scripts find them by id and data-testid, so both panels must spell them alike).
 */

export function colormapField(): string {
  return `<div class="field">
  <label id="colormap-label" for="colormap">Colormap</label>
  <vscode-dropdown id="colormap" data-testid="colormap" aria-labelledby="colormap-label">
    <vscode-option value="viridis">Viridis</vscode-option>
    <vscode-option value="magma">Magma</vscode-option>
    <vscode-option value="inferno">Inferno</vscode-option>
    <vscode-option value="turbo">Turbo</vscode-option>
    <vscode-option value="grey">Grey</vscode-option>
  </vscode-dropdown>
</div>`;
}

/** The opacity slider; the classify panel also shows its value. */
export function opacityField(withValue: boolean): string {
  return `<div class="field">
  <label for="opacity">Opacity</label>
  <input id="opacity" class="range" data-testid="opacity" type="range" min="0" max="1" step="0.05" value="0.6">${
    withValue ? '\n  <output for="opacity" data-testid="opacity-value"></output>' : ''
  }
</div>`;
}

/** The Show dropdown's options, every quantity (the classify panel disables what a model lacks). */
export function quantityOptions(): string {
  return QUANTITY_KINDS.map((k) => `<vscode-option value="${k}">${escapeHtml(QUANTITY_NAMES[k])}</vscode-option>`).join('\n');
}

export function classField(): string {
  return `<div class="field" data-testid="class-field" hidden>
  <label id="class-label" for="class">Class</label>
  <vscode-dropdown id="class" data-testid="class" aria-labelledby="class-label"></vscode-dropdown>
</div>`;
}

/** The hidden-unit number; the classify panel also shows a hint beside it. */
export function unitField(withHint: boolean): string {
  return `<div class="field field-unit" data-testid="unit-field" hidden>
  <label for="unit">Unit</label>
  <input id="unit" class="number" data-testid="unit" type="number" min="0" step="1" value="0">${
    withHint ? '\n  <span class="hint" data-testid="unit-hint"></span>' : ''
  }
</div>`;
}
