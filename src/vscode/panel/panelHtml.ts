/**
 * The classify panel's HTML: a static skeleton that webview/panel/main.ts fills in.
 *
 * Pure (no vscode import) so it can be unit-tested. Security: a strict CSP with a fresh
 * nonce per render; the only script is the nonce'd bundle, all styling comes from
 * media/panel.css (the toolkit's web components style themselves through constructable
 * stylesheets, which style-src does not govern), and there are no inline event handlers
 * or style attributes. Every interpolated value is HTML-escaped.
 */
import { classField, colormapField, opacityField, quantityOptions, unitField } from '../heatmapFields';
import { escapeHtml, webviewDocument } from '../webviewDocument';

export { escapeHtml };

export interface PanelHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** A fresh random nonce (base64) for this render. */
  nonce: string;
  /** webview.asWebviewUri of dist/webview/panel.js */
  scriptUri: string;
  /** webview.asWebviewUri of media/panel.css */
  styleUri: string;
  /** webview.asWebviewUri of dist/webview/codicons/codicon.css */
  codiconsUri: string;
  /** webview.asWebviewUri of dist/webview/toolkit.js, which the panel's script loads after its first paint */
  toolkitUri: string;
  title: string;
}

export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ') + ';';
}

export function renderPanelHtml(opts: PanelHtmlOptions): string {
  const e = escapeHtml;
  return webviewDocument({
    csp: panelCsp(opts.cspSource, opts.nonce),
    nonce: opts.nonce,
    scriptUri: opts.scriptUri,
    styleUri: opts.styleUri,
    extraStyleUris: [opts.codiconsUri],
    title: opts.title,
    body: `<main class="panel" data-testid="panel" data-state="empty" data-toolkit-src="${e(opts.toolkitUri)}">
  <header class="panel-header">
    <div class="title-row">
      <h1 class="file-name" data-testid="file-name">${e(opts.title)}</h1>
      <div class="header-actions">
        <vscode-button data-testid="reclassify" appearance="secondary" aria-label="Classify this image again">Reclassify</vscode-button>
        <vscode-button data-testid="open-settings" appearance="icon" aria-label="Open RCNN Lens settings" title="Settings"><span class="codicon codicon-gear" aria-hidden="true"></span></vscode-button>
      </div>
    </div>
    <dl class="facts" data-testid="facts" hidden>
      <div><dt>Model</dt><dd data-testid="model-name"></dd></div>
      <div><dt>Runs on</dt><dd data-testid="provider"></dd></div>
      <div><dt>Time</dt><dd data-testid="timing"></dd></div>
    </dl>
    <div class="notice" data-testid="missing-views" role="note" hidden></div>
  </header>

  <section class="loading" data-testid="loading" role="status" hidden>
    <vscode-progress-ring></vscode-progress-ring>
    <span data-testid="loading-text"></span>
  </section>
  <section class="error" data-testid="error" role="alert" hidden></section>
  <p class="status" data-testid="status" role="status" aria-live="polite"></p>

  <div class="result" data-testid="result" hidden>
    <!-- First in the markup: in a narrow panel the prediction stays above the fold. -->
    <section class="card predictions-card" data-testid="predictions-card" aria-labelledby="predictions-heading">
      <div class="card-title">
        <h2 id="predictions-heading">Prediction: <span class="top-label" data-testid="top-label"></span></h2>
        <vscode-button data-testid="copy-json" appearance="secondary" aria-label="Copy predictions as JSON"><span slot="start" class="codicon codicon-copy" aria-hidden="true"></span>Copy JSON</vscode-button>
      </div>
      <ol class="bars" data-testid="predictions" aria-label="Top classes"></ol>
    </section>

    <section class="viewer" aria-labelledby="viewer-heading">
      <h2 id="viewer-heading" class="visually-hidden">Image and heatmap</h2>
      <div class="stage-host" data-testid="stage-host">
        <div class="stage" data-testid="stage" tabindex="0" role="group"
             aria-label="Heatmap over the image. Left and right arrows step through time, space plays.">
          <img class="stage-image" data-testid="image" alt="">
          <canvas class="stage-layer" data-testid="heatmap" aria-hidden="true"></canvas>
          <canvas class="stage-layer" data-testid="annotations" aria-hidden="true"></canvas>
        </div>
      </div>
      <p class="readout" data-testid="hover-readout" aria-live="off">Point at the heatmap to read a cell.</p>
      <p class="note" data-testid="no-image" hidden></p>

      <div class="timeline" data-testid="timeline">
        <vscode-button data-testid="play" appearance="icon" aria-label="Play" aria-pressed="false" title="Play (Space)"><span class="codicon codicon-play" data-testid="play-icon" aria-hidden="true"></span></vscode-button>
        <input type="range" class="range timestep" data-testid="timestep" min="1" max="1" step="1" value="1" aria-label="Timestep">
        <span class="timestep-label" data-testid="timestep-label" aria-hidden="true"></span>
      </div>

      <div class="controls" data-testid="controls">
        <div class="field">
          <label id="quantity-label" for="quantity">Show</label>
          <vscode-dropdown id="quantity" data-testid="quantity" aria-labelledby="quantity-label">
            ${quantityOptions()}
          </vscode-dropdown>
        </div>
        <div class="field-slot" data-testid="quantity-options">
        ${classField()}
        ${unitField(true)}
        <div class="field" data-testid="direction-field" hidden>
          <label id="direction-label" for="direction">Direction</label>
          <vscode-dropdown id="direction" data-testid="direction" aria-labelledby="direction-label">
            <vscode-option value="both">Both</vscode-option>
            <vscode-option value="forward">Forward</vscode-option>
            <vscode-option value="backward">Backward</vscode-option>
          </vscode-dropdown>
        </div>
        </div>
        ${colormapField()}
        ${opacityField(true)}
        <div class="field">
          <label for="threshold">Hide below</label>
          <input id="threshold" class="range" data-testid="threshold" type="range" min="0" max="1" step="0.01" value="0"
                 aria-describedby="legend-caption">
          <output for="threshold" data-testid="threshold-value"></output>
        </div>
        <div class="field field-inline">
          <vscode-checkbox data-testid="scan-order">Show scan order</vscode-checkbox>
          <vscode-button data-testid="save-png" appearance="secondary"><span slot="start" class="codicon codicon-save" aria-hidden="true"></span>Save PNG</vscode-button>
        </div>
      </div>
      <div class="legend" data-testid="legend">
        <span class="legend-min" data-testid="legend-min"></span>
        <span class="legend-bar" data-testid="legend-bar" aria-hidden="true"></span>
        <span class="legend-max" data-testid="legend-max"></span>
        <span class="legend-caption" id="legend-caption" data-testid="legend-caption"></span>
      </div>
      <p class="explainer" data-testid="heatmap-explainer"><span data-testid="heatmap-explainer-text"></span>
        <a href="#" data-testid="heatmap-more" role="button">more</a></p>
    </section>

    <aside class="side">

      <section class="card" data-testid="running-section" aria-labelledby="running-heading">
        <h2 id="running-heading">After step <span data-testid="running-step"></span></h2>
        <p class="note" data-testid="running-note" hidden></p>
        <ol class="bars" data-testid="running-prediction" aria-label="Running prediction at the current step"></ol>
        <canvas class="chart" data-testid="prob-chart" role="img" aria-label="Probability of the top classes against the timestep"></canvas>
        <ul class="chart-legend" data-testid="prob-chart-legend"></ul>
        <p class="note" data-testid="running-unavailable" hidden></p>
      </section>

      <section class="card" data-testid="attention-view" aria-labelledby="attention-heading">
        <h2 id="attention-heading">Attention</h2>
        <div class="stage-host stage-host-small" data-testid="attention-stage-host">
          <div class="stage" data-testid="attention-stage">
            <img class="stage-image" data-testid="attention-image" alt="">
            <canvas class="stage-layer" data-testid="attention-canvas" aria-hidden="true"></canvas>
          </div>
        </div>
        <p class="note" data-testid="attention-range"></p>
        <table class="top-cells" data-testid="attention-top">
          <caption>Most-attended cells</caption>
          <thead><tr><th scope="col">Row</th><th scope="col">Col</th><th scope="col">Step</th><th scope="col">Weight</th></tr></thead>
          <tbody></tbody>
        </table>
        <p class="note" data-testid="attention-unavailable" hidden></p>
      </section>

      <section class="card" data-testid="explain-section" aria-labelledby="explain-heading">
        <h2 id="explain-heading">Which view points at what the prediction depends on?</h2>
        <div class="explain-actions">
          <vscode-button data-testid="explain-run">Check the views</vscode-button>
          <vscode-button appearance="secondary" data-testid="explain-deep">Add the deep view</vscode-button>
          <vscode-dropdown data-testid="explain-window" aria-label="Occlusion window">
            <vscode-option value="1">1×1 cell</vscode-option>
            <vscode-option value="2">2×2 cells</vscode-option>
          </vscode-dropdown>
        </div>
        <div class="explain-progress" data-testid="explain-progress" role="status" hidden>
          <progress data-testid="explain-progress-bar" max="1" value="0"></progress>
          <span data-testid="explain-progress-text"></span>
          <vscode-button appearance="secondary" data-testid="explain-cancel">Cancel</vscode-button>
        </div>
        <svg class="faithfulness-chart" data-testid="faithfulness-chart" role="img"
             aria-label="Class probability against the number of cells removed, one curve per view"></svg>
        <ul class="chart-legend" data-testid="faithfulness-legend"></ul>
        <p class="note" data-testid="explain-status"></p>
      </section>
    </aside>
  </div>
</main>`,
  });
}
