/**
 * The review gallery's logic without a DOM: its state (arrangement, selection, updates,
 * thumbnails, status text) and what each key does in the gallery and the class picker.
 */
import { describe, expect, it } from 'vitest';
import type { ReviewInit, ReviewItem } from '../../src/shared/reviewProtocol';
import { type GalleryContext, type KeyInput, galleryKeyAction, pickerKeyAction } from '../../webview/review/keyboard';
import type { ViewOptions } from '../../webview/review/model';
import { CELL, GalleryState } from '../../webview/review/reviewState';

const items = (): ReviewItem[] => [
  { path: 'a.jpg', label: 'cat', score: 0.9, second: 'dog' },
  { path: 'b.jpg', label: 'cat', score: 0.4 },
  { path: 'c.jpg', label: 'dog', score: 0.6, reviewed: 'cat' },
  { path: 'd.jpg', label: 'dog', score: 0.55 },
  { path: 'e.jpg', error: { code: 'corrupt', message: 'bad' } },
];
const init = (over: Partial<ReviewInit> = {}): ReviewInit => ({
  type: 'init',
  folderName: 'f',
  folder: '/f',
  labelsFile: '/f/labels.jsonl',
  classes: ['cat', 'dog'],
  imageBase: 'https://x',
  items: items(),
  ...over,
});
const flat: ViewOptions = { sort: 'score-asc', label: '', status: 'all', threshold: 1, group: false };
const width = 10 * CELL.w;

function loaded(over: Partial<ReviewInit> = {}, options = flat): GalleryState {
  const s = new GalleryState();
  s.load(init(over));
  s.relayout(options, width, true);
  return s;
}
const paths = (s: GalleryState) => Array.from({ length: s.count }, (_, i) => s.itemAt(i)!.path);

describe('gallery state', () => {
  it('arranges by the view options and selects the first item', () => {
    const s = loaded();
    expect(paths(s)).toEqual(['b.jpg', 'd.jpg', 'c.jpg', 'a.jpg', 'e.jpg']);
    expect(s.selected).toBe(0);
    expect(s.countText()).toBe('5 of 5 images');
  });

  it('keeps the selected path through a new sort or filter, and falls back to the first item when it is filtered out', () => {
    const s = loaded();
    s.select(3); // a.jpg
    s.relayout({ ...flat, sort: 'path' }, width, true);
    expect(s.selectedPath()).toBe('a.jpg');
    s.relayout({ ...flat, label: 'dog' }, width, true);
    expect(paths(s)).toEqual(['d.jpg']);
    expect(s.selectedPath()).toBe('d.jpg');
    s.relayout({ ...flat }, width, true, 'e.jpg');
    expect(s.selectedPath()).toBe('e.jpg');
  });

  it('keeps the arrangement on a plain relayout (a resize), so a relabelled card does not jump', () => {
    const s = loaded();
    s.itemAt(0)!.reviewed = 'dog'; // b.jpg, now a dog: a rearrangement would move it
    s.relayout({ ...flat, label: 'cat' }, width / 2, false);
    expect(paths(s)[0]).toBe('b.jpg');
  });

  it('clamps the selection to the items shown, and refuses to select in an empty view', () => {
    const s = loaded();
    expect(s.select(99)).toBe(true);
    expect(s.selected).toBe(4);
    s.select(-3);
    expect(s.selected).toBe(0);
    const empty = loaded({ items: [] });
    expect(empty.select(0)).toBe(false);
    expect(empty.selected).toBe(-1);
    expect(empty.selectionText()).toBe('');
  });

  it('says what is selected, for labels and errors', () => {
    const s = loaded();
    s.select(3);
    expect(s.selectionText()).toBe('4 / 5: a.jpg — cat 90.0% (next: dog)');
    s.select(4);
    expect(s.selectionText()).toBe('5 / 5: e.jpg — corrupt: bad');
  });

  it('applies the host updates, and a read-only review says why', () => {
    const s = loaded({ readOnlyReason: 'a run is going on' });
    s.applyUpdates([{ path: 'a.jpg', reviewed: 'dog' }, { path: 'c.jpg', reviewed: null }, { path: 'gone.jpg', reviewed: 'cat' }]);
    expect(s.items.find((i) => i.path === 'a.jpg')!.reviewed).toBe('dog');
    expect(s.items.find((i) => i.path === 'c.jpg')!.reviewed).toBeUndefined();
    expect(s.countText()).toBe('5 of 5 images · read-only: a run is going on');
  });

  it('asks for each thumbnail once, never for error cells, and again after a fresh init', () => {
    const s = loaded();
    const cells = [{ path: 'a.jpg', isError: false }, { path: 'e.jpg', isError: true }, { path: 'b.jpg', isError: false }];
    expect(s.thumbsToAsk(cells)).toEqual(['a.jpg', 'b.jpg']);
    expect(s.thumbsToAsk(cells)).toEqual([]);
    const got = s.gotThumbs([{ path: 'a.jpg', url: 'https://t/a' }, { path: 'b.jpg', url: null }]);
    expect([...got]).toEqual([['a.jpg', 'https://t/a'], ['b.jpg', null]]);
    expect(s.thumbsToAsk(cells)).toEqual([]);
    s.load(init());
    expect(s.thumbsToAsk(cells)).toEqual(['a.jpg', 'b.jpg']);
  });

  it('finds the first item of each row of a grouped layout', () => {
    const s = loaded({}, { ...flat, group: true });
    const rows = s.lay!.rows;
    const starts = rows.map((_, r) => s.flatStartOfRow(r));
    // header cat, its items; header dog, its items; header errors, its item
    expect(rows.map((r) => r.kind)).toEqual(['header', 'items', 'header', 'items', 'header', 'items']);
    expect(starts).toEqual([-1, 0, -1, 3, -1, 4]);
  });
});

const key = (k: string, more: Partial<KeyInput> = {}): KeyInput => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...more });

describe('gallery keys', () => {
  const s = loaded();
  const ctx = (selected = 1): GalleryContext => ({ count: s.count, selected, itemAt: (i) => s.itemAt(i), classes: ['cat', 'dog'] });

  it('moves with j/k, arrows, Home and End', () => {
    for (const k of ['j', 'ArrowRight', 'ArrowDown']) expect(galleryKeyAction(key(k), ctx())).toEqual({ kind: 'select', index: 2 });
    for (const k of ['k', 'ArrowLeft', 'ArrowUp']) expect(galleryKeyAction(key(k), ctx())).toEqual({ kind: 'select', index: 0 });
    expect(galleryKeyAction(key('Home'), ctx())).toEqual({ kind: 'select', index: 0 });
    expect(galleryKeyAction(key('End'), ctx())).toEqual({ kind: 'select', index: 4 });
    // Nothing selected yet: moves from the first item.
    expect(galleryKeyAction(key('j'), ctx(-1))).toEqual({ kind: 'select', index: 1 });
  });

  it('Enter accepts the prediction but keeps a human correction; digits relabel; u clears; l, o and m act on the selection', () => {
    expect(galleryKeyAction(key('Enter'), ctx(1))).toEqual({ kind: 'label', index: 1, label: 'dog' }); // d.jpg
    expect(galleryKeyAction(key('Enter'), ctx(2))).toEqual({ kind: 'label', index: 2, label: 'cat' }); // c.jpg, reviewed cat
    expect(galleryKeyAction(key('Enter'), ctx(4))).toEqual({ kind: 'label', index: 4, label: undefined }); // an error: only moves on
    expect(galleryKeyAction(key('2'), ctx(0))).toEqual({ kind: 'label', index: 0, label: 'dog' });
    expect(galleryKeyAction(key('9'), ctx(0))).toBeUndefined(); // no ninth class
    expect(galleryKeyAction(key('u'), ctx(3))).toEqual({ kind: 'clear', index: 3 });
    expect(galleryKeyAction(key('l'), ctx(3))).toEqual({ kind: 'picker', index: 3 });
    expect(galleryKeyAction(key('o'), ctx(3))).toEqual({ kind: 'open', index: 3 });
    // m: move the image into the folder of its prediction (the controller checks that it applies).
    expect(galleryKeyAction(key('m'), ctx(3))).toEqual({ kind: 'move', index: 3 });
    expect(galleryKeyAction(key('x'), ctx(3))).toBeUndefined();
  });

  it('leaves keys to a focused field or button, to shortcuts with modifiers, and does nothing in an empty view', () => {
    expect(galleryKeyAction(key('j', { targetTag: 'INPUT' }), ctx())).toBeUndefined();
    expect(galleryKeyAction(key('Enter', { targetTag: 'BUTTON' }), ctx())).toBeUndefined();
    expect(galleryKeyAction(key('1', { targetTag: 'DIV', targetEditable: true }), ctx())).toBeUndefined();
    expect(galleryKeyAction(key('j', { targetTag: 'DIV' }), ctx())).toEqual({ kind: 'select', index: 2 });
    for (const mod of ['ctrlKey', 'metaKey', 'altKey'] as const) expect(galleryKeyAction(key('j', { [mod]: true }), ctx())).toBeUndefined();
    expect(galleryKeyAction(key('j'), { ...ctx(), count: 0 })).toBeUndefined();
  });
});

describe('class picker keys', () => {
  it('Escape closes, Enter relabels, arrows in the filter field cycle through the list', () => {
    expect(pickerKeyAction('Escape', true, 0, 3)).toEqual({ kind: 'close', apply: false });
    expect(pickerKeyAction('Enter', false, 1, 3)).toEqual({ kind: 'close', apply: true });
    expect(pickerKeyAction('ArrowDown', true, 2, 3)).toEqual({ kind: 'highlight', index: 0 });
    expect(pickerKeyAction('ArrowUp', true, 0, 3)).toEqual({ kind: 'highlight', index: 2 });
    expect(pickerKeyAction('ArrowDown', false, 0, 3)).toBeUndefined(); // the list moves by itself
    expect(pickerKeyAction('a', true, 0, 3)).toBeUndefined();
  });
});
