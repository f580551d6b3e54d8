/**
 * Pure logic of the review gallery (no DOM, unit-tested): which items show in which
 * order, how they group, and how the virtualised layout maps scroll positions to rows.
 */
import type { ReviewItem } from '../../src/shared/reviewProtocol';
import { LIKELY_MISLABELED } from '../../src/core/labeling/suspects';

export type SortKey = 'score-asc' | 'score-desc' | 'entropy-desc' | 'margin-asc' | 'suspect-desc' | 'path';
export type StatusFilter = 'all' | 'unreviewed' | 'reviewed' | 'errors' | 'suspects';

export interface ViewOptions {
  sort: SortKey;
  /** '' = every label. Matches the effective label (the human's if reviewed). */
  label: string;
  status: StatusFilter;
  /** Only items whose score is ≤ this (1 = all). Error rows are not filtered by it. */
  threshold: number;
  group: boolean;
}

const SORT_KEYS: readonly string[] = ['score-asc', 'score-desc', 'entropy-desc', 'margin-asc', 'suspect-desc', 'path'] satisfies SortKey[];
const STATUS_FILTERS: readonly string[] = ['all', 'unreviewed', 'reviewed', 'errors', 'suspects'] satisfies StatusFilter[];

/** What the gallery keeps across its tab being hidden and shown again (the webview is reloaded then). */
export interface SavedView {
  options: ViewOptions;
  /** The selected item's path (its index changes when the file does). */
  selectedPath?: string;
  scrollTop: number;
}

/** A saved view read back from the webview's state, or undefined when it is missing or not in this shape. */
export function readSavedView(raw: unknown): SavedView | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { options: o, selectedPath, scrollTop } = raw as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) return undefined;
  const { sort, label, status, threshold, group } = o as Record<string, unknown>;
  if (typeof sort !== 'string' || !SORT_KEYS.includes(sort)) return undefined;
  if (typeof status !== 'string' || !STATUS_FILTERS.includes(status)) return undefined;
  if (typeof label !== 'string' || typeof group !== 'boolean') return undefined;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) return undefined;
  return {
    options: { sort: sort as SortKey, label, status: status as StatusFilter, threshold, group },
    selectedPath: typeof selectedPath === 'string' ? selectedPath : undefined,
    scrollTop: typeof scrollTop === 'number' && Number.isFinite(scrollTop) && scrollTop > 0 ? scrollTop : 0,
  };
}

/**
 * Whether a key press belongs to the focused control rather than to the gallery: Enter on a
 * button or a <summary> activates it, and typing in a field types.
 */
export function focusTakesKeys(tagName: string | undefined, isContentEditable = false): boolean {
  return isContentEditable || (tagName !== undefined && ['BUTTON', 'SUMMARY', 'SELECT', 'INPUT', 'TEXTAREA', 'A'].includes(tagName.toUpperCase()));
}

export const ERROR_GROUP = '⚠ errors';

export function effective(item: ReviewItem): string {
  return item.error ? ERROR_GROUP : (item.reviewed ?? item.label ?? '');
}

export interface Group {
  label: string;
  /** Indices into the items array, in display order. */
  members: number[];
}

function compare(items: readonly ReviewItem[], key: SortKey): (a: number, b: number) => number {
  const num = (v: number | undefined, dflt: number) => (v === undefined || Number.isNaN(v) ? dflt : v);
  const byPath = (a: number, b: number) => (items[a].path < items[b].path ? -1 : items[a].path > items[b].path ? 1 : 0);
  switch (key) {
    case 'score-asc':
      return (a, b) => num(items[a].score, 2) - num(items[b].score, 2) || byPath(a, b);
    case 'score-desc':
      return (a, b) => num(items[b].score, -1) - num(items[a].score, -1) || byPath(a, b);
    case 'entropy-desc':
      return (a, b) => num(items[b].entropy, -1) - num(items[a].entropy, -1) || byPath(a, b);
    case 'margin-asc':
      return (a, b) => num(items[a].margin, 2) - num(items[b].margin, 2) || byPath(a, b);
    case 'suspect-desc':
      return (a, b) => num(items[b].suspect, -1) - num(items[a].suspect, -1) || byPath(a, b);
    default:
      return byPath;
  }
}

/**
 * "Likely mislabeled": the image's folder names a class the model finds unlikely for it
 * (suspect score at or above LIKELY_MISLABELED), unless a human has confirmed that class.
 */
export function likelyMislabeled(it: ReviewItem): boolean {
  if (it.error || it.given === undefined || it.suspect === undefined || !(it.suspect >= LIKELY_MISLABELED)) return false;
  return it.reviewed !== it.given;
}

/** What a card says of its class folder: "given cat · predicted dog" when they differ, else nothing. */
export function givenCaption(it: ReviewItem): string | undefined {
  if (it.error || it.given === undefined || it.label === undefined || it.given === it.label) return undefined;
  return `given ${it.given} · predicted ${it.label}`;
}

/** Whether the "move to the predicted class folder" key applies to the card. */
export function canMoveToPrediction(it: ReviewItem): boolean {
  return !it.error && it.given !== undefined && it.label !== undefined && it.given !== it.label;
}

export function arrange(items: readonly ReviewItem[], o: ViewOptions): Group[] {
  const keep: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (o.status === 'errors' && !it.error) continue;
    if (o.status === 'reviewed' && !it.reviewed) continue;
    if (o.status === 'unreviewed' && (it.reviewed || it.error)) continue;
    if (o.status === 'suspects' && !likelyMislabeled(it)) continue;
    if (o.label && effective(it) !== o.label) continue;
    if (!it.error && o.threshold < 1 && (it.score ?? 0) > o.threshold) continue;
    keep.push(i);
  }
  keep.sort(compare(items, o.sort));
  if (!o.group) return [{ label: '', members: keep }];
  const groups = new Map<string, number[]>();
  for (const i of keep) {
    const g = effective(items[i]);
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(i);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === ERROR_GROUP ? 1 : b === ERROR_GROUP ? -1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([label, members]) => ({ label, members }));
}

export type Row =
  | { kind: 'header'; top: number; group: number }
  | { kind: 'items'; top: number; group: number; /** range in the group's members */ start: number; end: number };

export interface Layout {
  rows: Row[];
  height: number;
  columns: number;
  /** Position of every displayed item in display order: flat index → (row, column). */
  flat: number[];
  rowOfFlat: number[];
}

export const HEADER_HEIGHT = 30;

export function layout(groups: readonly Group[], width: number, cell: { w: number; h: number }, headers: boolean): Layout {
  const columns = Math.max(1, Math.floor(width / cell.w));
  const rows: Row[] = [];
  const flat: number[] = [];
  const rowOfFlat: number[] = [];
  let top = 0;
  groups.forEach((g, gi) => {
    if (headers) {
      rows.push({ kind: 'header', top, group: gi });
      top += HEADER_HEIGHT;
    }
    for (let s = 0; s < g.members.length; s += columns) {
      const end = Math.min(g.members.length, s + columns);
      for (let k = s; k < end; k++) {
        flat.push(g.members[k]);
        rowOfFlat.push(rows.length);
      }
      rows.push({ kind: 'items', top, group: gi, start: s, end });
      top += cell.h;
    }
  });
  return { rows, height: top, columns, flat, rowOfFlat };
}

/** Index of the first row whose bottom is below `y` (binary search). */
export function firstRowAt(rows: readonly Row[], y: number, rowHeight: (r: Row) => number): number {
  let lo = 0;
  let hi = rows.length - 1;
  let ans = rows.length;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].top + rowHeight(rows[mid]) > y) {
      ans = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return ans;
}

/** Rows intersecting [scrollTop - overscan, scrollTop + viewport + overscan]. */
export function visibleRows(l: Layout, scrollTop: number, viewport: number, cellH: number, overscan = 300): [number, number] {
  const h = (r: Row) => (r.kind === 'header' ? HEADER_HEIGHT : cellH);
  const first = firstRowAt(l.rows, Math.max(0, scrollTop - overscan), h);
  let last = first;
  const bottom = scrollTop + viewport + overscan;
  while (last < l.rows.length && l.rows[last].top < bottom) last++;
  return [first, last];
}

export function histogram(items: readonly ReviewItem[], bins = 10): number[] {
  const out = new Array(bins).fill(0);
  for (const it of items) {
    if (it.error || it.score === undefined) continue;
    out[Math.min(bins - 1, Math.max(0, Math.floor(it.score * bins)))]++;
  }
  return out;
}

/**
 * The score a card shows beside its label: the model's score for that label. A card
 * relabelled to a class outside the model's top list says "reviewed" rather than a score
 * that belongs to another class.
 */
export function captionScore(item: ReviewItem): string {
  const shown = item.reviewed ?? item.label;
  const score = shown === item.label ? item.score : item.topk?.find((t) => t.label === shown)?.score;
  return score === undefined || !Number.isFinite(score) ? 'reviewed' : `${(score * 100).toFixed(0)}%`;
}

/**
 * A group's heading. Relabelled cards stay where they were until the view is rearranged
 * (so the grid does not jump under the reviewer), but the count is of the cards that
 * still carry the group's label, which is what the class chips count too.
 */
export function groupHeading(label: string, members: readonly number[], items: readonly ReviewItem[], errorGroup: string): string {
  if (label === errorGroup) return `Errors · ${members.length}`;
  const still = members.filter((i) => effective(items[i]) === label).length;
  const moved = members.length - still;
  return `${label} · ${still}${moved ? ` (${moved} relabelled)` : ''}`;
}

export function classCounts(items: readonly ReviewItem[]): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const it of items) if (!it.error) m.set(effective(it), (m.get(effective(it)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** Key → class: '1'…'9' are classes 0…8, '0' is class 9. */
export function classForKey(key: string, classes: readonly string[]): string | undefined {
  if (!/^[0-9]$/.test(key)) return undefined;
  const idx = key === '0' ? 9 : Number(key) - 1;
  return classes[idx];
}

/**
 * What Enter ("accept") records: an existing human correction stays; otherwise the model's
 * label is confirmed. Undefined for error rows.
 */
export function acceptedLabel(it: Pick<ReviewItem, 'label' | 'reviewed' | 'error'>): string | undefined {
  if (it.error) return undefined;
  return it.reviewed ?? it.label;
}

/** Formats a webview cannot display (sharp decodes them, the browser does not): shown as a placeholder. */
const NOT_IN_BROWSER = /\.(tiff?|heic|heif|jp2|j2k|jpx|jxl|dng|cr2|nef|arw|psd|exr)$/i;

export function browserCanShow(relPath: string): boolean {
  return !NOT_IN_BROWSER.test(relPath);
}

/** The classes whose name contains `query` (case-insensitive), for the class picker. */
export function filterClasses(classes: readonly string[], query: string): string[] {
  const q = query.trim().toLowerCase();
  return q ? classes.filter((c) => c.toLowerCase().includes(q)) : [...classes];
}
