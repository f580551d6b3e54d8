/**
 * The compare panel's HTML: a static skeleton that webview/compare/main.ts fills in. Pure (no
 * vscode import) so it is unit-tested. Same rules as the classify panel: the strict CSP with
 * a fresh nonce per render, one nonce'd script, styles from the extension's stylesheets only
 * (panel.css for the shared pieces, compare.css for the layout), no inline handlers or styles.
 */
import { panelCsp } from '../panel/panelHtml';
import { classField, colormapField, opacityField, unitField } from '../heatmapFields';
import { escapeHtml, webviewDocument } from '../webviewDocument';

export interface CompareHtmlOptions {
  cspSource: string;
  nonce: string;
  /** dist/webview/compare.js */
  scriptUri: string;
  /** media/panel.css and media/compare.css */
  panelStyleUri: string;
  styleUri: string;
  codiconsUri: string;
  title: string;
}

function sideMarkup(key: 'a' | 'b'): string {
  const letter = key.toUpperCase();
  return `<section class="compare-side card" data-testid="side-${key}" aria-labelledby="side-${key}-heading">
      <h2 id="side-${key}-heading"><span class="side-letter">${letter}</span> <span data-testid="side-${key}-title"></span></h2>
      <p class="note" data-testid="side-${key}-model"></p>
      <section class="error" data-testid="side-${key}-error" role="alert" hidden></section>
      <div class="side-body" data-testid="side-${key}-body">
        <div class="stage-host" data-testid="side-${key}-stage-host">
          <div class="stage" data-testid="side-${key}-stage">
            <img class="stage-image" data-testid="side-${key}-image" alt="">
            <canvas class="stage-layer" data-testid="side-${key}-heatmap" aria-hidden="true"></canvas>
          </div>
        </div>
        <h3>Prediction: <span class="top-label" data-testid="side-${key}-top-label"></span></h3>
        <ol class="bars" data-testid="side-${key}-predictions" aria-label="Top classes of ${letter}"></ol>
        <h3>After step <span data-testid="side-${key}-step"></span></h3>
        <p class="note" data-testid="side-${key}-running-note" hidden></p>
        <ol class="bars" data-testid="side-${key}-running" aria-label="Running prediction of ${letter}"></ol>
        <canvas class="chart" data-testid="side-${key}-chart" role="img" aria-label="Probability of ${letter}'s top classes against the timestep"></canvas>
        <ul class="chart-legend" data-testid="side-${key}-chart-legend"></ul>
        <p class="note" data-testid="side-${key}-running-unavailable" hidden></p>
      </div>
    </section>`;
}

export function renderCompareHtml(o: CompareHtmlOptions): string {
  return webviewDocument({
    csp: panelCsp(o.cspSource, o.nonce),
    nonce: o.nonce,
    scriptUri: o.scriptUri,
    styleUri: o.styleUri,
    extraStyleUris: [o.codiconsUri, o.panelStyleUri],
    title: o.title,
    body: `<main class="compare" data-testid="compare" data-state="empty">
  <header class="title-row">
    <h1 data-testid="compare-title">${escapeHtml(o.title)}</h1>
    <div class="header-actions">
      <vscode-button data-testid="copy-summary" appearance="secondary" aria-label="Copy both predictions as JSON">Copy JSON</vscode-button>
      <vscode-button data-testid="reclassify" appearance="secondary" aria-label="Classify both sides again">Reclassify</vscode-button>
    </div>
  </header>
  <section class="loading" data-testid="loading" role="status" hidden>
    <vscode-progress-ring></vscode-progress-ring><span data-testid="loading-text"></span>
  </section>
  <div class="notice" data-testid="compare-notes" role="note" hidden></div>
  <div class="compare-controls" data-testid="compare-controls">
    <div class="timeline">
      <vscode-button data-testid="play" appearance="icon" aria-label="Play" aria-pressed="false" title="Play (Space)"><span class="codicon codicon-play" aria-hidden="true"></span></vscode-button>
      <input type="range" class="range timestep" data-testid="timestep" min="1" max="1" step="1" value="1" aria-label="Timestep of both sides">
      <span class="timestep-label" data-testid="timestep-label" aria-hidden="true"></span>
    </div>
    <div class="controls">
      <div class="field">
        <label id="quantity-label" for="quantity">Show</label>
        <vscode-dropdown id="quantity" data-testid="quantity" aria-labelledby="quantity-label"></vscode-dropdown>
      </div>
      ${classField()}
      ${unitField(false)}
      ${colormapField()}
      ${opacityField(false)}
      <div class="field field-inline">
        <vscode-checkbox data-testid="difference">Difference A − B</vscode-checkbox>
      </div>
    </div>
    <div class="legend" data-testid="legend">
      <span class="legend-min" data-testid="legend-min"></span>
      <span class="legend-bar" data-testid="legend-bar" aria-hidden="true"></span>
      <span class="legend-max" data-testid="legend-max"></span>
      <span class="legend-caption" data-testid="legend-caption"></span>
    </div>
    <p class="note" data-testid="difference-note" hidden></p>
  </div>
  <div class="compare-columns" data-testid="columns">
    ${sideMarkup('a')}
    ${sideMarkup('b')}
  </div>
</main>`,
  });
}
