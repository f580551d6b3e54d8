import { describe, expect, it } from 'vitest';
import { isTrainingToHost } from '../../src/shared/trainingProtocol';
import { renderTrainingHtml, trainingCsp } from '../../src/vscode/training/trainingHtml';

describe('Training panel HTML', () => {
  const html = renderTrainingHtml({
    cspSource: 'vscode-resource:',
    nonce: 'abc123==',
    scriptUri: 'https://x/training.js',
    styleUri: 'https://x/training.css',
    codiconsUri: 'https://x/codicon.css',
    title: 'Training: <img src=x onerror=alert(1)>',
  });

  it('has a strict CSP: no default source, scripts by nonce only, no inline styles', () => {
    expect(trainingCsp('vscode-resource:', 'n')).toBe("default-src 'none'; style-src vscode-resource:; font-src vscode-resource:; script-src 'nonce-n';");
    expect(html).toContain('<script nonce="abc123==" src="https://x/training.js"></script>');
    expect(html).not.toMatch(/style="|onclick=|<style/);
  });

  it('escapes the title (a folder name)', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('Training: &lt;img src=x onerror=alert(1)&gt;');
  });

  it('has every element the webview fills in', () => {
    for (const id of ['training', 'training-cancel', 'training-status', 'training-classes', 'training-from', 'training-epoch', 'training-acc', 'training-eta', 'loss-chart', 'acc-chart', 'confusion-section', 'confusion']) {
      expect(html).toContain(`data-testid="${id}"`);
    }
  });

  it('accepts only the messages the host understands from the webview', () => {
    expect(isTrainingToHost({ type: 'cancel' })).toBe(true);
    expect(isTrainingToHost({ type: 'ready' })).toBe(true);
    expect(isTrainingToHost({ type: 'train', folder: '/' })).toBe(false);
    expect(isTrainingToHost(null)).toBe(false);
  });
});
