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
