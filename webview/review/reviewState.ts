/**
 * What the gallery knows, without the DOM: the labels file's items as last sent by the
 * host, their arrangement into groups and rows, the selection, and which thumbnails are
 * known or asked for. The controller changes it; the views draw it. Unit-tested.
 */
import type { ReviewInit, ReviewItem } from '../../src/shared/reviewProtocol';
import { type Group, type Layout, type ViewOptions, arrange, layout } from './model';

/** One gallery cell, in CSS pixels. */
export const CELL = { w: 136, h: 168 };

export class GalleryState {
  data: ReviewInit | undefined;
  items: ReviewItem[] = [];
  groups: Group[] = [];
  lay: Layout | undefined;
  /** Index into lay.flat; -1: none. */
  selected = -1;
  readOnlyReason: string | undefined;
  /** Thumbnail URL per path: a string once made, null when none could be made (use the original), absent while pending. */
  readonly thumbUrls = new Map<string, string | null>();
  private readonly thumbsAsked = new Set<string>();

  /** A fresh labels file from the host: everything known about the old one is dropped. */
  load(msg: ReviewInit): void {
    this.data = msg;
    this.thumbUrls.clear();
    this.thumbsAsked.clear();
    this.items = msg.items;
    this.readOnlyReason = msg.readOnlyReason;
  }

  get classes(): string[] {
    return this.data?.classes ?? [];
  }

  /** The item shown at a flat index, if any. */
  itemAt(flatIndex: number): ReviewItem | undefined {
    return this.lay && flatIndex >= 0 ? this.items[this.lay.flat[flatIndex]] : undefined;
  }

  get count(): number {
    return this.lay?.flat.length ?? 0;
  }

  selectedPath(): string | undefined {
    return this.itemAt(this.selected)?.path;
  }

  /**
   * Arranges the items for `options` (or keeps the arrangement unless `rearrange`) in rows of
   * `width`; the selection stays on `preferredPath` (else the selected path) when it is still
   * shown, else goes to the first item.
   */
  relayout(options: ViewOptions, width: number, rearrange: boolean, preferredPath?: string): void {
    const keepPath = preferredPath ?? this.selectedPath();
    if (rearrange || !this.groups.length) this.groups = arrange(this.items, options);
    const lay = layout(this.groups, Math.max(CELL.w, width), CELL, options.group);
    this.lay = lay;
    this.selected = keepPath ? lay.flat.findIndex((i) => this.items[i].path === keepPath) : -1;
    if (this.selected < 0 && lay.flat.length) this.selected = 0;
  }

  /** Moves the selection to `flatIndex`, clamped to the items shown; false when nothing is shown. */
  select(flatIndex: number): boolean {
    if (!this.lay || !this.lay.flat.length) return false;
    this.selected = Math.max(0, Math.min(this.lay.flat.length - 1, flatIndex));
    return true;
  }

  /** The host wrote corrections (this gallery's or another's). */
  applyUpdates(changes: ReadonlyArray<{ path: string; reviewed: string | null }>): void {
    for (const c of changes) {
      const it = this.items.find((i) => i.path === c.path);
      if (it) it.reviewed = c.reviewed ?? undefined;
    }
  }

  /** Of the cells now drawn, the paths whose thumbnails are neither known nor asked for yet (marked as asked). */
  thumbsToAsk(cells: ReadonlyArray<{ path: string; isError: boolean }>): string[] {
    const want: string[] = [];
    for (const { path, isError } of cells) {
      if (isError || this.thumbUrls.has(path) || this.thumbsAsked.has(path)) continue;
      this.thumbsAsked.add(path);
      want.push(path);
    }
    return want;
  }

  /** Thumbnails the host made (or could not make). */
  gotThumbs(list: ReadonlyArray<{ path: string; url: string | null }>): Map<string, string | null> {
    const got = new Map(list.map((t) => [t.path, t.url]));
    for (const [p, url] of got) {
      this.thumbUrls.set(p, url);
      this.thumbsAsked.delete(p);
    }
    return got;
  }

  /** The flat index of the first item of row `r`. */
  flatStartOfRow(r: number): number {
    const row = this.lay!.rows[r];
    if (row.kind !== 'items') return -1;
    let flatStart = 0;
    for (let gi = 0; gi < row.group; gi++) flatStart += this.groups[gi].members.length;
    return flatStart + row.start;
  }

  /** "N of M images", and why corrections are off. */
  countText(): string {
    return (
      `${this.count.toLocaleString('en-US')} of ${this.items.length.toLocaleString('en-US')} images` +
      (this.readOnlyReason ? ` · read-only: ${this.readOnlyReason}` : '')
    );
  }

  /** The status line for the selected item. */
  selectionText(): string {
    const it = this.itemAt(this.selected);
    if (!it) return '';
    const what = it.error
      ? ` — ${it.error.code}: ${it.error.message}`
      : ` — ${it.reviewed ?? it.label} ${((it.score ?? 0) * 100).toFixed(1)}%${it.second ? ` (next: ${it.second})` : ''}`;
    return `${this.selected + 1} / ${this.count}: ${it.path}${what}`;
  }
}
