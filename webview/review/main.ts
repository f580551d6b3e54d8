/**
 * Entry point of the review gallery webview (bundled to dist/webview/review.js).
 * A virtualised grid: only the rows in (or near) the viewport exist in the DOM, so tens of
 * thousands of images scroll smoothly. Keyboard review: j/k or arrows move, Enter accepts,
 * 1–9/0 relabel to a class, l picks any class from a list, o opens the image in the classify
 * panel, u clears a review. Enter keeps an existing human correction. Keys go to the focused
 * control instead when it has keys of its own (a button, a field). The view (sort, filters,
 * selection, scroll position) is kept in the webview's state: VS Code reloads a hidden tab.
 */
import { RequestTracker } from '../../src/shared/messaging';
import {
  type HostToReview,
  type ReviewInit,
  type ReviewItem,
  type ReviewResponses,
  type ReviewState,
  type ReviewToHost,
  itemImageUrl,
} from '../../src/shared/reviewProtocol';
import { registerToolkit, setDropdown, toolkitOption, type ToolkitCheckbox, type ToolkitDropdown } from '../shared/toolkit';
import { vscodeApi } from '../shared/vscodeApi';
import {
  ERROR_GROUP,
  type Group,
  type Layout,
  type SortKey,
  type StatusFilter,
  type SavedView,
  type ViewOptions,
  acceptedLabel,
  arrange,
  browserCanShow,
  captionScore,
  classCounts,
  groupHeading,
  classForKey,
  effective,
  histogram,
  layout,
  filterClasses,
  focusTakesKeys,
  readSavedView,
  visibleRows,
} from './model';

registerToolkit();

const CELL = { w: 136, h: 168 };
/** The serializer reads folder and labelsFile (and checks them against its own record); the view is ours. */
type PersistedReview = ReviewState & { view?: SavedView };
const vscode = vscodeApi<PersistedReview>();
const tracker = new RequestTracker<ReviewToHost, ReviewResponses>();

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`missing ${id}`);
  return el;
};
const root = $('review-gallery');
const statusEl = $('review-status');
const scroller = $('review-scroller');
const spacer = $('review-spacer');
const sortEl = $<ToolkitDropdown>('sort');
const labelEl = $<ToolkitDropdown>('filter-label');
const statusFilterEl = $<ToolkitDropdown>('filter-status');
const thresholdEl = $<HTMLInputElement>('threshold');
const thresholdOut = $<HTMLOutputElement>('threshold-value');
const groupEl = $<ToolkitCheckbox>('group');
const pickerBox = $('class-picker-box');
const pickerFilter = $<HTMLInputElement>('class-picker-filter');
const picker = $<HTMLSelectElement>('class-picker');

let data: ReviewInit | undefined;
let items: ReviewItem[] = [];
let groups: Group[] = [];
let lay: Layout | undefined;
let selected = -1; // index into lay.flat
const rendered = new Map<number, HTMLElement>();
let readOnlyReason: string | undefined;
/** Thumbnail URL per path: a string once made, null when none could be made (use the original), absent while pending. */
const thumbUrls = new Map<string, string | null>();
const thumbsAsked = new Set<string>();
/** The view saved before this page was (re)loaded; applied to the first init of the same labels file. */
const savedState = vscode.getState();
let viewToRestore: SavedView | undefined = readSavedView(savedState?.view);

function post(msg: ReviewToHost): void {
  vscode.postMessage(msg);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function setStatus(text: string, error = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle('is-error', error);
}

function applyOptions(o: ViewOptions): void {
  setDropdown(sortEl, o.sort);
  setDropdown(statusFilterEl, o.status);
  thresholdEl.value = String(o.threshold);
  thresholdOut.textContent = o.threshold.toFixed(2);
  groupEl.checked = o.group;
  // The label filter gets its options in fillLabelFilter, which applies o.label.
}

function selectedPath(): string | undefined {
  return lay && selected >= 0 ? items[lay.flat[selected]]?.path : undefined;
}

/** Saves the view with the webview's state, so showing the tab again puts it back. */
function saveView(): void {
  if (!data) return;
  vscode.setState({
    folder: data.folder,
    labelsFile: data.labelsFile,
    view: { options: options(), selectedPath: selectedPath(), scrollTop: scroller.scrollTop },
  });
}

function options(): ViewOptions {
  return {
    sort: sortEl.value as SortKey,
    label: labelEl.value,
    status: statusFilterEl.value as StatusFilter,
    threshold: Number(thresholdEl.value),
    group: groupEl.checked,
  };
}

// ---- summary ----

function renderSummary(): void {
  const counts = $('class-counts');
  counts.replaceChildren(
    ...classCounts(items).map(([label, n]) => {
      const li = el('li', 'class-count');
      const b = el('button', 'chip', `${label} ${n}`);
      b.type = 'button';
      b.title = `Show only ${label}`;
      b.addEventListener('click', () => {
        setDropdown(labelEl, labelEl.value === label ? '' : label);
        relayout(true);
      });
      li.append(b);
      return li;
    }),
  );
  const hist = histogram(items, 10);
  const max = Math.max(1, ...hist);
  const box = $('score-histogram');
  box.replaceChildren(
    ...hist.map((n, i) => {
      const bar = el('div', 'bar');
      bar.style.height = `${Math.round((100 * n) / max)}%`; // CSSOM: allowed by the CSP
      bar.title = `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${n}`;
      return bar;
    }),
  );
  const errors = items.filter((i) => i.error);
  $('error-count').textContent = errors.length ? `${errors.length} file(s) could not be labeled` : 'No errors';
  $('error-list').replaceChildren(
    ...errors.slice(0, 500).map((it) => {
      const li = el('li');
      li.append(el('code', undefined, it.path), document.createTextNode(` — ${it.error!.code}: ${it.error!.message}`));
      return li;
    }),
    ...(errors.length > 500 ? [el('li', undefined, `… and ${errors.length - 500} more (filter Show: Errors)`)] : []),
  );
  const keys = $('class-keys');
  keys.replaceChildren(
    ...(data?.classes ?? []).slice(0, 10).map((c, i) => el('span', 'key', `${i === 9 ? 0 : i + 1}: ${c}`)),
  );
}

function fillLabelFilter(wanted = labelEl.value): void {
  const current = wanted;
  const labels = new Set<string>(data?.classes ?? []);
  for (const it of items) labels.add(effective(it));
  labelEl.replaceChildren(toolkitOption('', 'All'), ...[...labels].sort().map((l) => toolkitOption(l, l)));
  setDropdown(labelEl, labels.has(current) ? current : '');
}

// ---- gallery ----

function relayout(rearrange: boolean, preferredPath?: string): void {
  const keepPath = preferredPath ?? selectedPath();
  if (rearrange || !groups.length) groups = arrange(items, options());
  lay = layout(groups, Math.max(CELL.w, scroller.clientWidth - 16), CELL, options().group);
  spacer.style.height = `${lay.height}px`;
  for (const e of rendered.values()) e.remove();
  rendered.clear();
  selected = -1;
  if (keepPath) {
    const idx = lay.flat.findIndex((i) => items[i].path === keepPath);
    if (idx >= 0) selected = idx;
  }
  if (selected < 0 && lay.flat.length) selected = 0;
  const shown = lay.flat.length;
  setStatus(
    `${shown.toLocaleString('en-US')} of ${items.length.toLocaleString('en-US')} images` +
      (readOnlyReason ? ` · read-only: ${readOnlyReason}` : ''),
  );
  root.dataset.state = 'ready';
  renderVisible();
  saveView();
}

function renderItem(flatIndex: number): HTMLElement {
  const it = items[lay!.flat[flatIndex]];
  const cell = el('div', 'item');
  cell.id = itemElementId(flatIndex);
  cell.dataset.testid = 'review-item';
  cell.dataset.path = it.path;
  cell.dataset.flat = String(flatIndex);
  cell.setAttribute('role', 'gridcell');
  cell.title = it.path;
  if (it.error) {
    cell.classList.add('is-error');
    cell.append(el('div', 'thumb thumb-error', it.error.code));
  } else if (thumbUrls.get(it.path) === null && !browserCanShow(it.path)) {
    cell.append(placeholder(it.path));
  } else {
    const img = el('img', 'thumb');
    img.loading = 'lazy';
    img.decoding = 'async';
    img.alt = it.path;
    const url = thumbUrls.get(it.path);
    if (url !== undefined) img.src = url ?? itemImageUrl(data!.imageBase, it.path);
    // else: the host is making a small thumbnail (sharp, in a worker); wantThumbs asks for it.
    // A format the browser cannot show after all: a placeholder instead of a broken image.
    img.addEventListener('error', () => img.replaceWith(placeholder(it.path)), { once: true });
    cell.append(img);
  }
  const cap = el('div', 'caption');
  if (it.error) {
    cap.append(el('span', 'label', it.error.code));
  } else {
    const shown = it.reviewed ?? it.label ?? '';
    const label = el('span', 'label', shown);
    cap.append(label, el('span', 'score', captionScore(it)));
    if (it.reviewed) {
      cell.classList.add('is-reviewed');
      cap.append(el('span', 'badge', it.reviewed === it.label ? '✓' : `✎ was ${it.label}`));
    }
  }
  cap.append(el('span', 'name', it.path.split('/').pop() ?? it.path));
  cell.append(cap);
  cell.setAttribute('aria-selected', String(flatIndex === selected));
  if (flatIndex === selected) cell.classList.add('selected');
  return cell;
}

function itemElementId(flatIndex: number): string {
  return `review-item-${flatIndex}`;
}

/** Screen readers follow the selection through the grid's active descendant (only while its cell exists). */
function updateActiveDescendant(): void {
  const id = itemElementId(selected);
  if (selected >= 0 && document.getElementById(id)) scroller.setAttribute('aria-activedescendant', id);
  else scroller.removeAttribute('aria-activedescendant');
}

function placeholder(p: string): HTMLElement {
  const ext = /\.([^./]+)$/.exec(p)?.[1]?.toUpperCase() ?? 'image';
  const e = el('div', 'thumb thumb-placeholder', ext);
  e.title = `${p} (no preview for this format; o opens it)`;
  return e;
}

function renderRow(r: number): HTMLElement {
  const row = lay!.rows[r];
  const g = groups[row.group];
  const e = el('div', row.kind === 'header' ? 'group-header' : 'row');
  e.style.transform = `translateY(${row.top}px)`;
  e.setAttribute('role', 'row');
  if (row.kind === 'header') {
    const title = el('span', undefined, groupHeading(g.label, g.members, items, ERROR_GROUP));
    title.setAttribute('role', 'rowheader');
    e.append(title);
  } else {
    // flat index of the row's first item
    let flatStart = 0;
    for (let gi = 0; gi < row.group; gi++) flatStart += groups[gi].members.length;
    flatStart += row.start;
    for (let k = 0; k < row.end - row.start; k++) e.append(renderItem(flatStart + k));
  }
  return e;
}

function renderVisible(): void {
  if (!lay) return;
  const [first, last] = visibleRows(lay, scroller.scrollTop, scroller.clientHeight, CELL.h);
  for (const [r, e] of rendered) {
    if (r < first || r >= last) {
      e.remove();
      rendered.delete(r);
    }
  }
  for (let r = first; r < last; r++) {
    if (rendered.has(r)) continue;
    const e = renderRow(r);
    spacer.append(e);
    rendered.set(r, e);
  }
  updateActiveDescendant();
  askThumbs();
}

/** Ask the host for the thumbnails of the items now in the DOM that it has not been asked for. */
function askThumbs(): void {
  const want: string[] = [];
  for (const cell of spacer.querySelectorAll<HTMLElement>('[data-testid="review-item"]')) {
    const p = cell.dataset.path!;
    if (!thumbUrls.has(p) && !thumbsAsked.has(p) && !cell.classList.contains('is-error')) {
      thumbsAsked.add(p);
      want.push(p);
    }
  }
  if (want.length) post({ type: 'wantThumbs', paths: want });
}

function onThumbs(list: Array<{ path: string; url: string | null }>): void {
  const got = new Map(list.map((t) => [t.path, t.url]));
  for (const [p, url] of got) {
    thumbUrls.set(p, url);
    thumbsAsked.delete(p);
  }
  for (const cell of spacer.querySelectorAll<HTMLElement>('[data-testid="review-item"]')) {
    const p = cell.dataset.path!;
    if (!got.has(p)) continue;
    const url = got.get(p);
    const img = cell.querySelector('img');
    if (!img) continue;
    if (url) img.src = url;
    else if (browserCanShow(p)) img.src = itemImageUrl(data!.imageBase, p);
    else img.replaceWith(placeholder(p));
  }
}

function rerenderRowOf(flatIndex: number): void {
  if (!lay || flatIndex < 0) return;
  const r = lay.rowOfFlat[flatIndex];
  const old = rendered.get(r);
  if (!old) return;
  const fresh = renderRow(r);
  old.replaceWith(fresh);
  rendered.set(r, fresh);
  updateActiveDescendant();
}

/** Group headings count the cards that carry their label: a relabel changes them. */
function rerenderHeaders(): void {
  if (!lay) return;
  for (const [r, old] of rendered) {
    if (lay.rows[r]?.kind !== 'header') continue;
    const fresh = renderRow(r);
    old.replaceWith(fresh);
    rendered.set(r, fresh);
  }
}

function select(flatIndex: number): void {
  if (!lay || !lay.flat.length) return;
  const next = Math.max(0, Math.min(lay.flat.length - 1, flatIndex));
  const prev = selected;
  selected = next;
  rerenderRowOf(prev);
  rerenderRowOf(next);
  // Keep the selection in view.
  const row = lay.rows[lay.rowOfFlat[next]];
  if (row.top < scroller.scrollTop) scroller.scrollTop = row.top - 8;
  else if (row.top + CELL.h > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = row.top + CELL.h - scroller.clientHeight + 8;
  renderVisible();
  saveView();
  const it = items[lay.flat[next]];
  setStatus(`${next + 1} / ${lay.flat.length}: ${it.path}${it.error ? ` — ${it.error.code}: ${it.error.message}` : ` — ${it.reviewed ?? it.label} ${((it.score ?? 0) * 100).toFixed(1)}%${it.second ? ` (next: ${it.second})` : ''}`}`);
}

async function setLabel(flatIndex: number, label: string | null): Promise<void> {
  if (!lay || flatIndex < 0) return;
  const it = items[lay.flat[flatIndex]];
  if (it.error) return;
  if (readOnlyReason) {
    setStatus(`Not saved: ${readOnlyReason}`, true);
    return;
  }
  const before = it.reviewed;
  it.reviewed = label ?? undefined;
  rerenderRowOf(flatIndex);
  rerenderHeaders();
  try {
    await tracker.request(post, { type: 'setLabels', changes: [{ path: it.path, label }] });
  } catch (err) {
    it.reviewed = before;
    rerenderRowOf(flatIndex);
    rerenderHeaders();
    setStatus(`Not saved: ${(err as Error).message}`, true);
    return;
  }
  renderSummary();
}

function onKey(e: KeyboardEvent): void {
  const t = e.target instanceof HTMLElement ? e.target : undefined;
  if (t && focusTakesKeys(t.tagName, t.isContentEditable)) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (!lay || !lay.flat.length) return;
  const cur = selected < 0 ? 0 : selected;
  const k = e.key;
  let handled = true;
  if (k === 'j' || k === 'ArrowRight' || k === 'ArrowDown') select(cur + 1);
  else if (k === 'k' || k === 'ArrowLeft' || k === 'ArrowUp') select(cur - 1);
  else if (k === 'Home') select(0);
  else if (k === 'End') select(lay.flat.length - 1);
  else if (k === 'Enter') {
    // Accept: confirms the model's label, but never replaces a human correction with it.
    const label = acceptedLabel(items[lay.flat[cur]]);
    if (label) void setLabel(cur, label);
    select(cur + 1);
  } else if (k === 'l') openPicker(cur);
  else if (k === 'o') post({ type: 'open', path: items[lay.flat[cur]].path });
  else if (k === 'u') void setLabel(cur, null);
  else {
    const cls = classForKey(k, data?.classes ?? []);
    if (cls) {
      void setLabel(cur, cls);
      select(cur + 1);
    } else handled = false;
  }
  if (handled) e.preventDefault();
}

// ---- class picker (all classes, not only the ten with digit keys) ----

let pickerFor = -1;

function fillPicker(): void {
  const list = filterClasses(data?.classes ?? [], pickerFilter.value);
  picker.replaceChildren(
    ...list.map((c) => {
      const o = el('option', undefined, c);
      o.value = c;
      return o;
    }),
  );
  picker.size = Math.max(2, Math.min(12, list.length));
  if (list.length) picker.selectedIndex = 0;
}

function openPicker(flatIndex: number): void {
  if (!lay || !data?.classes.length) return;
  const it = items[lay.flat[flatIndex]];
  if (it.error) return;
  pickerFor = flatIndex;
  pickerFilter.value = '';
  fillPicker();
  const current = it.reviewed ?? it.label;
  if (current) picker.value = current;
  // media/review.css has no rule for it yet: float it over the gallery (CSSOM, allowed by the CSP).
  Object.assign(pickerBox.style, {
    position: 'fixed',
    top: '20%',
    left: '50%',
    transform: 'translateX(-50%)',
    zIndex: '10',
    padding: '8px',
    display: 'flex',
    flexDirection: 'column',
    gap: '6px',
    background: 'var(--vscode-editorWidget-background)',
    border: '1px solid var(--vscode-editorWidget-border, transparent)',
  });
  pickerBox.hidden = false;
  pickerFilter.focus();
}

function closePicker(apply: boolean): void {
  const target = pickerFor;
  const label = picker.value;
  pickerBox.hidden = true;
  pickerBox.style.display = 'none';
  pickerFor = -1;
  scroller.focus();
  if (apply && target >= 0 && label) {
    void setLabel(target, label);
    select(target + 1);
  }
}

function onPickerKey(e: KeyboardEvent): void {
  if (e.key === 'Escape') closePicker(false);
  else if (e.key === 'Enter') closePicker(true);
  else if (e.target === pickerFilter && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
    const n = picker.options.length;
    if (n) picker.selectedIndex = (picker.selectedIndex + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
  } else return;
  e.preventDefault();
  e.stopPropagation();
}

pickerFilter.addEventListener('input', fillPicker);
pickerFilter.addEventListener('keydown', onPickerKey);
picker.addEventListener('keydown', onPickerKey);
picker.addEventListener('dblclick', () => closePicker(true));

// ---- wiring ----

function init(msg: ReviewInit): void {
  data = msg;
  thumbUrls.clear();
  thumbsAsked.clear();
  items = msg.items;
  readOnlyReason = msg.readOnlyReason;
  // The first init after a (re)load puts back the view saved for this labels file.
  const restore = viewToRestore && savedState?.labelsFile === msg.labelsFile ? viewToRestore : undefined;
  viewToRestore = undefined;
  if (restore) applyOptions(restore.options);
  $('review-title').textContent = `Review: ${msg.folderName}`;
  fillLabelFilter(restore?.options.label);
  renderSummary();
  relayout(true, restore?.selectedPath);
  if (restore) {
    scroller.scrollTop = restore.scrollTop;
    renderVisible();
  }
  saveView();
  scroller.focus();
}

function handle(msg: HostToReview): void {
  switch (msg.type) {
    case 'init':
      init(msg);
      break;
    case 'updated':
      for (const c of msg.changes) {
        const it = items.find((i) => i.path === c.path);
        if (it) it.reviewed = c.reviewed ?? undefined;
      }
      relayout(false);
      renderSummary();
      break;
    case 'thumbs':
      onThumbs(msg.items);
      break;
    case 'notice':
      setStatus(msg.text, msg.level === 'error');
      break;
    case 'reply':
      tracker.settle(msg);
      break;
  }
}

window.addEventListener('message', (event: MessageEvent<HostToReview>) => {
  const m = event.data;
  if (m && typeof m === 'object' && typeof m.type === 'string') handle(m);
});
let frame = 0;
scroller.addEventListener('scroll', () => {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderVisible();
    saveView();
  });
});
scroller.addEventListener('click', (e) => {
  const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-testid="review-item"]');
  if (!cell) return;
  if (e.detail > 1) return; // the second click of a double-click: the first one already opened it
  const idx = Number(cell.dataset.flat);
  select(idx);
  post({ type: 'open', path: cell.dataset.path! });
});
document.addEventListener('keydown', onKey);
for (const c of [sortEl, labelEl, statusFilterEl, groupEl]) c.addEventListener('change', () => relayout(true));
thresholdEl.addEventListener('input', () => {
  thresholdOut.textContent = Number(thresholdEl.value).toFixed(2);
  relayout(true);
});
new ResizeObserver(() => {
  if (data) relayout(false);
}).observe(scroller);

post({ type: 'ready' });
