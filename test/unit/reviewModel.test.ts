import { describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../src/shared/reviewProtocol';
import { itemImageUrl } from '../../src/shared/reviewProtocol';
import { renderReviewHtml, reviewCsp } from '../../src/vscode/batch/reviewHtml';
import {
  ERROR_GROUP,
  HEADER_HEIGHT,
  arrange,
  classCounts,
  acceptedLabel,
  browserCanShow,
  classForKey,
  filterClasses,
  focusTakesKeys,
  histogram,
  readSavedView,
  layout,
  visibleRows,
  type ViewOptions,
} from '../../webview/review/model';

const items: ReviewItem[] = [
  { path: 'a.jpg', label: 'cat', score: 0.9, entropy: 0.3, margin: 0.8 },
  { path: 'b.jpg', label: 'cat', score: 0.4, entropy: 1.9, margin: 0.05 },
  { path: 'c.jpg', label: 'dog', score: 0.6, entropy: 1.0, margin: 0.3, reviewed: 'cat' },
  { path: 'd.jpg', label: 'dog', score: 0.55, entropy: 1.2, margin: 0.2 },
  { path: 'e.jpg', error: { code: 'corrupt', message: 'bad' } },
];
const base: ViewOptions = { sort: 'score-asc', label: '', status: 'all', threshold: 1, group: true };

describe('review gallery model', () => {
  it('groups by the effective label (human first), errors last, sorted within groups', () => {
    const g = arrange(items, base);
    expect(g.map((x) => x.label)).toEqual(['cat', 'dog', ERROR_GROUP]);
    expect(g[0].members.map((i) => items[i].path)).toEqual(['b.jpg', 'c.jpg', 'a.jpg']);
    expect(g[1].members.map((i) => items[i].path)).toEqual(['d.jpg']);
  });
  it('sorts by entropy and margin, filters by label, status and threshold', () => {
    const flat = (o: Partial<ViewOptions>) => arrange(items, { ...base, group: false, ...o })[0].members.map((i) => items[i].path);
    expect(flat({ sort: 'entropy-desc' }).slice(0, 2)).toEqual(['b.jpg', 'd.jpg']);
    expect(flat({ sort: 'margin-asc' })[0]).toBe('b.jpg');
    expect(flat({ label: 'dog' })).toEqual(['d.jpg']);
    expect(flat({ status: 'reviewed' })).toEqual(['c.jpg']);
    expect(flat({ status: 'errors' })).toEqual(['e.jpg']);
    expect(flat({ status: 'unreviewed', threshold: 0.56 })).toEqual(['b.jpg', 'd.jpg']);
  });
  it('virtualises: 10,000 items render only the rows near the viewport', () => {
    const many: ReviewItem[] = Array.from({ length: 10_000 }, (_, i) => ({ path: `x/${i}.jpg`, label: `c${i % 10}`, score: (i % 97) / 97 }));
    const groups = arrange(many, base);
    const l = layout(groups, 1360, { w: 136, h: 168 }, true);
    expect(l.columns).toBe(10);
    expect(l.flat.length).toBe(10_000);
    expect(l.rows.filter((r) => r.kind === 'header').length).toBe(10);
    expect(l.height).toBe(10 * HEADER_HEIGHT + 1000 * 168);
    const [first, last] = visibleRows(l, 50_000, 800, 168);
    expect(last - first).toBeLessThan(12);
    const top = l.rows[first].top;
    expect(top).toBeLessThanOrEqual(50_000 - 300);
    expect(l.rows[last - 1].top).toBeGreaterThanOrEqual(50_000 + 800);
    // every displayed item has a row
    expect(l.rowOfFlat.every((r) => l.rows[r].kind === 'items')).toBe(true);
  });
  it('summaries: class counts, score histogram, class keys', () => {
    expect(classCounts(items)).toEqual([
      ['cat', 3],
      ['dog', 1],
    ]);
    expect(histogram(items, 10)).toEqual([0, 0, 0, 0, 1, 1, 1, 0, 0, 1]);
    const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    expect(classForKey('1', classes)).toBe('airplane');
    expect(classForKey('0', classes)).toBe('truck');
    expect(classForKey('x', classes)).toBeUndefined();
  });
  it('image URLs encode each path segment', () => {
    expect(itemImageUrl('https://x/base/', 'a b/#1%.jpg')).toBe('https://x/base/a%20b/%231%25.jpg');
  });
});

describe('review keys and thumbnails', () => {
  it('Enter keeps a human correction instead of replacing it with the model label', () => {
    expect(acceptedLabel({ label: 'cat', reviewed: 'dog' })).toBe('dog');
    expect(acceptedLabel({ label: 'cat' })).toBe('cat');
    expect(acceptedLabel({ error: { code: 'corrupt', message: 'x' } })).toBeUndefined();
  });

  it('the class picker lists every class, filtered by what is typed', () => {
    const classes = Array.from({ length: 30 }, (_, i) => `class_${i}`);
    expect(filterClasses(classes, '').length).toBe(30);
    expect(filterClasses(classes, 'S_2')).toEqual(['class_2', ...Array.from({ length: 10 }, (_, i) => `class_2${i}`)]);
  });

  it('formats the browser cannot display get a placeholder', () => {
    expect(browserCanShow('a/b.jpg')).toBe(true);
    expect(browserCanShow('a/b.PNG')).toBe(true);
    expect(browserCanShow('a/scan.tif')).toBe(false);
    expect(browserCanShow('a/scan.TIFF')).toBe(false);
  });

  it('the HTML has the class picker and names the l key', () => {
    const html = renderReviewHtml({ cspSource: 'vscode-resource:', nonce: 'n', scriptUri: 's.js', styleUri: 's.css', title: 'Review' });
    expect(html).toContain('data-testid="class-picker"');
    expect(html).toContain('data-testid="class-picker-filter"');
    expect(html).toMatch(/l: pick any class/);
  });
});

describe('review panel HTML', () => {
  it('has a strict CSP with a nonce, the test ids, and escapes the title', () => {
    const html = renderReviewHtml({ cspSource: 'vscode-resource:', nonce: 'abc123', scriptUri: 's.js', styleUri: 's.css', title: 'Review: <x>' });
    expect(reviewCsp('vscode-resource:', 'abc123')).toBe("default-src 'none'; img-src vscode-resource: data:; style-src vscode-resource:; script-src 'nonce-abc123';");
    expect(html).toContain('data-testid="review-gallery"');
    expect(html).toContain('<script nonce="abc123" src="s.js">');
    expect(html).toContain('Review: &lt;x&gt;');
    expect(html).not.toMatch(/style="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });
});

describe('review view kept across a hidden tab', () => {
  const view = { options: { sort: 'entropy-desc', label: 'cat', status: 'unreviewed', threshold: 0.4, group: false }, selectedPath: 'a/b.jpg', scrollTop: 1234 };

  it('reads back what it saved, through JSON (setState)', () => {
    expect(readSavedView(JSON.parse(JSON.stringify(view)))).toEqual(view);
  });

  it('ignores a state in another shape rather than showing a broken view', () => {
    expect(readSavedView(undefined)).toBeUndefined();
    expect(readSavedView({ options: { ...view.options, sort: 'random' } })).toBeUndefined();
    expect(readSavedView({ options: { ...view.options, status: 1 } })).toBeUndefined();
    expect(readSavedView({ options: { ...view.options, threshold: 7 } })).toBeUndefined();
    expect(readSavedView({ options: view.options, selectedPath: 3, scrollTop: -5 })).toEqual({ options: view.options, selectedPath: undefined, scrollTop: 0 });
  });
});

describe('review keys and the focused control', () => {
  it('leave Enter and typing to buttons, summaries and fields', () => {
    for (const tag of ['BUTTON', 'SUMMARY', 'SELECT', 'INPUT', 'TEXTAREA', 'a']) expect(focusTakesKeys(tag), tag).toBe(true);
    expect(focusTakesKeys('DIV')).toBe(false);
    expect(focusTakesKeys('DIV', true)).toBe(true);
    expect(focusTakesKeys(undefined)).toBe(false);
  });

  it('the gallery is a grid that can point at its selected cell', () => {
    const html = renderReviewHtml({ cspSource: 'vscode-resource:', nonce: 'n', scriptUri: 's.js', styleUri: 's.css', title: 'Review' });
    expect(html).toMatch(/data-testid="review-scroller"[^>]*role="grid"/);
    expect(html).toMatch(/data-testid="review-spacer" role="rowgroup"/);
  });
});
