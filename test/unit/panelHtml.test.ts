import { describe, expect, it } from 'vitest';
import { escapeHtml, panelCsp, renderPanelHtml } from '../../src/vscode/panel/panelHtml';

const opts = {
  cspSource: 'https://*.vscode-cdn.net',
  nonce: 'bm9uY2UxMjM0NTY3ODkw',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/panel.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
  codiconsUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/codicons/codicon.css',
  toolkitUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/toolkit.js',
  title: 'RCNN: cat.png',
};
const html = renderPanelHtml(opts);

function cspOf(doc: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(doc);
  expect(m, 'CSP meta tag').not.toBeNull();
  return m![1];
}

describe('renderPanelHtml', () => {
  it('sets a strict CSP: nothing by default, scripts only by nonce, styles and images only from the webview source', () => {
    const csp = cspOf(html);
    expect(csp).toBe(
      "default-src 'none'; img-src https://*.vscode-cdn.net data: blob:; style-src https://*.vscode-cdn.net; " +
        "font-src https://*.vscode-cdn.net; script-src 'nonce-bm9uY2UxMjM0NTY3ODkw';",
    );
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(panelCsp('x', 'n')).toContain("script-src 'nonce-n'");
  });

  it('loads exactly one script, carrying the nonce, from the given URI', () => {
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toEqual([`<script nonce="${opts.nonce}" src="${opts.scriptUri}">`]);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/); // no inline script body
  });

  it('names the toolkit script the page loads after its first paint, escaped, and does not load it itself', () => {
    expect(html).toContain(`data-toolkit-src="${opts.toolkitUri}"`);
    expect(renderPanelHtml({ ...opts, toolkitUri: 'x"><script>' })).toContain('data-toolkit-src="x&quot;&gt;&lt;script&gt;"');
  });

  it('has no inline event handlers, style attributes, style elements or javascript: URLs', () => {
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/javascript:/i);
  });

  it('links the stylesheet and escapes the title', () => {
    expect(html).toContain(`<link rel="stylesheet" href="${opts.styleUri}">`);
    // The codicon font first, so the panel's own rules win over it.
    expect(html.indexOf(opts.codiconsUri)).toBeGreaterThan(0);
    expect(html.indexOf(opts.codiconsUri)).toBeLessThan(html.indexOf(opts.styleUri));
    const evil = renderPanelHtml({ ...opts, title: 'RCNN: <img src=x onerror=alert(1)>.png' });
    expect(evil).not.toContain('<img src=x');
    expect(evil).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('contains the elements the webview script and the e2e tests rely on', () => {
    for (const id of [
      'error', 'provider', 'timing', 'predictions', 'top-label', 'heatmap', 'timestep', 'running-prediction',
      'prob-chart', 'attention-view', 'attention-canvas', 'quantity', 'colormap', 'opacity', 'threshold',
      'scan-order', 'save-png', 'copy-json', 'reclassify', 'play', 'missing-views',
    ]) {
      expect(html, id).toContain(`data-testid="${id}"`);
    }
    expect(html).toMatch(/<input type="range"[^>]*data-testid="timestep"/);
    expect(html).toMatch(/<canvas[^>]*data-testid="heatmap"/);
  });

  it('escapes all five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('panel icons', () => {
  it('are codicons (the font ships with the extension), not characters a font may lack', () => {
    for (const icon of ['codicon-play', 'codicon-gear', 'codicon-copy', 'codicon-save']) expect(html).toContain(`codicon ${icon}`);
    expect(html).not.toMatch(/&#9654;|&#9881;|\u23F8|\u25B6|⏸|▶|⚙/);
  });
});
