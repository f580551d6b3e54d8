/**
 * The review gallery's HTML skeleton (filled in by webview/review/main.ts). Pure, no vscode
 * import. Strict CSP with a per-render nonce; no inline styles or handlers; every
 * interpolated value escaped.
 */
import { escapeHtml, webviewDocument } from '../webviewDocument';

export { escapeHtml };

export interface ReviewHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
}

export function reviewCsp(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `img-src ${cspSource} data:`, `style-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ') + ';';
}

export function renderReviewHtml(o: ReviewHtmlOptions): string {
  const e = escapeHtml;
  return webviewDocument({
    csp: reviewCsp(o.cspSource, o.nonce),
    nonce: o.nonce,
    scriptUri: o.scriptUri,
    styleUri: o.styleUri,
    title: o.title,
    body: `<main class="review" data-testid="review-gallery" data-state="loading">
  <header class="review-header">
    <h1 data-testid="review-title">${e(o.title)}</h1>
    <p class="review-status" data-testid="review-status" role="status" aria-live="polite">Loading labels…</p>
  </header>
  <section class="summary" data-testid="review-summary" aria-label="Summary">
    <div class="summary-block">
      <h2>Per class</h2>
      <ul class="class-counts" data-testid="class-counts"></ul>
    </div>
    <div class="summary-block">
      <h2>Score histogram</h2>
      <div class="histogram" data-testid="score-histogram" role="img" aria-label="Histogram of top scores"></div>
      <div class="histogram-axis"><span>0</span><span>0.5</span><span>1</span></div>
    </div>
    <div class="summary-block">
      <details data-testid="error-list-box">
        <summary data-testid="error-count">No errors</summary>
        <ul class="error-list" data-testid="error-list"></ul>
      </details>
    </div>
  </section>
  <div class="toolbar" role="toolbar" aria-label="Sort and filter">
    <div class="field"><label id="sort-label">Sort</label>
    <vscode-dropdown data-testid="sort" aria-labelledby="sort-label">
      <vscode-option value="score-asc">Score (lowest first)</vscode-option>
      <vscode-option value="score-desc">Score (highest first)</vscode-option>
      <vscode-option value="entropy-desc">Entropy (most uncertain first)</vscode-option>
      <vscode-option value="margin-asc">Margin (closest calls first)</vscode-option>
      <vscode-option value="suspect-desc">Likely mislabeled first</vscode-option>
      <vscode-option value="path">Path</vscode-option>
    </vscode-dropdown></div>
    <div class="field"><label id="filter-label-label">Label</label>
    <vscode-dropdown data-testid="filter-label" aria-labelledby="filter-label-label"><vscode-option value="">All</vscode-option></vscode-dropdown></div>
    <div class="field"><label id="filter-status-label">Show</label>
    <vscode-dropdown data-testid="filter-status" aria-labelledby="filter-status-label">
      <vscode-option value="all">All</vscode-option>
      <vscode-option value="unreviewed">Not reviewed</vscode-option>
      <vscode-option value="reviewed">Reviewed</vscode-option>
      <vscode-option value="errors">Errors</vscode-option>
      <vscode-option value="suspects">Likely mislabeled</vscode-option>
    </vscode-dropdown></div>
    <label>Score ≤ <input type="range" class="range" data-testid="threshold" min="0" max="1" step="0.01" value="1"> <output data-testid="threshold-value">1.00</output></label>
    <vscode-checkbox data-testid="group" checked>Group by label</vscode-checkbox>
    <span class="hint" data-testid="keys-hint">j/k or arrows: next/previous · Enter: accept · 1–9, 0: relabel · l: pick any class · o: open · u: undo review · m: move into the predicted class folder</span>
  </div>
  <div class="gallery" data-testid="review-scroller" tabindex="0" role="grid" aria-label="Images; use j/k to move, Enter to accept, digits to relabel">
    <div class="gallery-spacer" data-testid="review-spacer" role="rowgroup"></div>
  </div>
  <div class="class-picker" data-testid="class-picker-box" role="dialog" aria-label="Relabel: pick a class" hidden>
    <label>Class <input type="text" data-testid="class-picker-filter" placeholder="type to filter; Enter: relabel; Esc: close" aria-label="Filter classes"></label>
    <select data-testid="class-picker" aria-label="Classes"></select>
  </div>
  <footer class="legend" data-testid="class-keys"></footer>
</main>`,
  });
}
