/**
 * The Training panel's HTML skeleton (filled in by webview/training/main.ts). Pure, no
 * vscode import. Strict CSP with a per-render nonce; no inline styles or handlers; every
 * interpolated value escaped.
 */
import { escapeHtml, webviewDocument } from '../webviewDocument';

export interface TrainingHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  title: string;
}

export function trainingCsp(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `style-src ${cspSource}`, `font-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ') + ';';
}

export function renderTrainingHtml(o: TrainingHtmlOptions): string {
  const e = escapeHtml;
  return webviewDocument({
    csp: trainingCsp(o.cspSource, o.nonce),
    nonce: o.nonce,
    scriptUri: o.scriptUri,
    styleUri: o.styleUri,
    extraStyleUris: [o.codiconsUri],
    title: o.title,
    body: `<main class="training" data-testid="training" data-status="preparing">
  <header class="training-header">
    <h1 data-testid="training-title">${e(o.title)}</h1>
    <vscode-button data-testid="training-cancel" appearance="secondary"><span slot="start" class="codicon codicon-debug-stop" aria-hidden="true"></span>Cancel</vscode-button>
  </header>
  <p class="training-status" data-testid="training-status" role="status" aria-live="polite">Preparing…</p>
  <dl class="facts" data-testid="training-facts">
    <div><dt>Classes</dt><dd data-testid="training-classes"></dd></div>
    <div><dt>Start from</dt><dd data-testid="training-from"></dd></div>
    <div><dt>Epoch</dt><dd data-testid="training-epoch">–</dd></div>
    <div><dt>Validation accuracy</dt><dd data-testid="training-acc">–</dd></div>
    <div><dt>ETA</dt><dd data-testid="training-eta">–</dd></div>
  </dl>
  <section class="charts" aria-label="Training curves">
    <figure class="chart-box">
      <figcaption>Training loss</figcaption>
      <canvas class="chart" data-testid="loss-chart" role="img" aria-label="Training loss per epoch"></canvas>
    </figure>
    <figure class="chart-box">
      <figcaption>Validation accuracy</figcaption>
      <canvas class="chart" data-testid="acc-chart" role="img" aria-label="Validation accuracy per epoch"></canvas>
    </figure>
  </section>
  <section class="confusion" data-testid="confusion-section" hidden aria-labelledby="confusion-heading">
    <h2 id="confusion-heading">Confusion matrix (validation images; rows: true class, columns: predicted)</h2>
    <div class="confusion-scroll"><table class="confusion-table" data-testid="confusion"></table></div>
  </section>
</main>`,
  });
}
