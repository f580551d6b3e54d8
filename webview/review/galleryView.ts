/**
 * The virtualised grid: only the rows in (or near) the viewport exist in the DOM, so tens of
 * thousands of images scroll smoothly. Draws what GalleryState holds; keeps nothing else
 * than the rows it has drawn.
 */
import { itemImageUrl } from '../../src/shared/reviewProtocol';
import { ERROR_GROUP, browserCanShow, captionScore, givenCaption, groupHeading, visibleRows } from './model';
import { type ReviewDom, el } from './reviewDom';
import { CELL, type GalleryState } from './reviewState';

const itemElementId = (flatIndex: number) => `review-item-${flatIndex}`;

function placeholder(p: string): HTMLElement {
  const ext = /\.([^./]+)$/.exec(p)?.[1]?.toUpperCase() ?? 'image';
  const e = el('div', 'thumb thumb-placeholder', ext);
  e.title = `${p} (no preview for this format; o opens it)`;
  return e;
}

export class GalleryView {
  private readonly rendered = new Map<number, HTMLElement>();

  constructor(
    private readonly dom: ReviewDom,
    private readonly state: GalleryState,
  ) {}

  /** After a relayout: the spacer's height, and every row drawn anew. */
  reset(): void {
    this.dom.spacer.style.height = `${this.state.lay?.height ?? 0}px`;
    for (const e of this.rendered.values()) e.remove();
    this.rendered.clear();
  }

  /** Draws the rows in view (dropping the others); returns the cells now drawn, for their thumbnails. */
  renderVisible(): Array<{ path: string; isError: boolean }> {
    const { lay } = this.state;
    if (!lay) return [];
    const { scroller, spacer } = this.dom;
    const [first, last] = visibleRows(lay, scroller.scrollTop, scroller.clientHeight, CELL.h);
    for (const [r, e] of this.rendered) {
      if (r < first || r >= last) {
        e.remove();
        this.rendered.delete(r);
      }
    }
    for (let r = first; r < last; r++) {
      if (this.rendered.has(r)) continue;
      const e = this.renderRow(r);
      spacer.append(e);
      this.rendered.set(r, e);
    }
    this.updateActiveDescendant();
    return [...spacer.querySelectorAll<HTMLElement>('[data-testid="review-item"]')].map((cell) => ({
      path: cell.dataset.path!,
      isError: cell.classList.contains('is-error'),
    }));
  }

  /** Redraws the row of one item (its label or selection changed). */
  rerenderRowOf(flatIndex: number): void {
    const { lay } = this.state;
    if (!lay || flatIndex < 0) return;
    const r = lay.rowOfFlat[flatIndex];
    const old = this.rendered.get(r);
    if (!old) return;
    const fresh = this.renderRow(r);
    old.replaceWith(fresh);
    this.rendered.set(r, fresh);
    this.updateActiveDescendant();
  }

  /** Group headings count the cards that carry their label: a relabel changes them. */
  rerenderHeaders(): void {
    const { lay } = this.state;
    if (!lay) return;
    for (const [r, old] of this.rendered) {
      if (lay.rows[r]?.kind !== 'header') continue;
      const fresh = this.renderRow(r);
      old.replaceWith(fresh);
      this.rendered.set(r, fresh);
    }
  }

  /** Keeps the selected item's row in view. */
  scrollToSelected(): void {
    const { lay, selected } = this.state;
    if (!lay || selected < 0) return;
    const { scroller } = this.dom;
    const row = lay.rows[lay.rowOfFlat[selected]];
    if (row.top < scroller.scrollTop) scroller.scrollTop = row.top - 8;
    else if (row.top + CELL.h > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = row.top + CELL.h - scroller.clientHeight + 8;
  }

  /** Puts the host's thumbnails into the cells drawn. */
  showThumbs(got: ReadonlyMap<string, string | null>): void {
    for (const cell of this.dom.spacer.querySelectorAll<HTMLElement>('[data-testid="review-item"]')) {
      const p = cell.dataset.path!;
      if (!got.has(p)) continue;
      const url = got.get(p);
      const img = cell.querySelector('img');
      if (!img) continue;
      if (url) img.src = url;
      else if (browserCanShow(p)) img.src = itemImageUrl(this.state.data!.imageBase, p);
      else img.replaceWith(placeholder(p));
    }
  }

  /** Screen readers follow the selection through the grid's active descendant (only while its cell exists). */
  private updateActiveDescendant(): void {
    const { selected } = this.state;
    const id = itemElementId(selected);
    if (selected >= 0 && document.getElementById(id)) this.dom.scroller.setAttribute('aria-activedescendant', id);
    else this.dom.scroller.removeAttribute('aria-activedescendant');
  }

  private renderRow(r: number): HTMLElement {
    const { lay, groups, items } = this.state;
    const row = lay!.rows[r];
    const e = el('div', row.kind === 'header' ? 'group-header' : 'row');
    e.style.transform = `translateY(${row.top}px)`;
    e.setAttribute('role', 'row');
    if (row.kind === 'header') {
      const g = groups[row.group];
      const title = el('span', undefined, groupHeading(g.label, g.members, items, ERROR_GROUP));
      title.setAttribute('role', 'rowheader');
      e.append(title);
    } else {
      const flatStart = this.state.flatStartOfRow(r);
      for (let k = 0; k < row.end - row.start; k++) e.append(this.renderItem(flatStart + k));
    }
    return e;
  }

  private renderItem(flatIndex: number): HTMLElement {
    const it = this.state.itemAt(flatIndex)!;
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
    } else if (this.state.thumbUrls.get(it.path) === null && !browserCanShow(it.path)) {
      cell.append(placeholder(it.path));
    } else {
      cell.append(this.thumbImage(it.path));
    }
    cell.append(this.caption(flatIndex, cell));
    const selected = flatIndex === this.state.selected;
    cell.setAttribute('aria-selected', String(selected));
    if (selected) cell.classList.add('selected');
    return cell;
  }

  private thumbImage(p: string): HTMLImageElement {
    const img = el('img', 'thumb');
    img.loading = 'lazy';
    img.decoding = 'async';
    img.alt = p;
    const url = this.state.thumbUrls.get(p);
    if (url !== undefined) img.src = url ?? itemImageUrl(this.state.data!.imageBase, p);
    // else: the host is making a small thumbnail (sharp, in a worker); wantThumbs asks for it.
    // A format the browser cannot show after all: a placeholder instead of a broken image.
    img.addEventListener('error', () => img.replaceWith(placeholder(p)), { once: true });
    return img;
  }

  private caption(flatIndex: number, cell: HTMLElement): HTMLElement {
    const it = this.state.itemAt(flatIndex)!;
    const cap = el('div', 'caption');
    if (it.error) {
      cap.append(el('span', 'label', it.error.code));
    } else {
      cap.append(el('span', 'label', it.reviewed ?? it.label ?? ''), el('span', 'score', captionScore(it)));
      if (it.reviewed) {
        cell.classList.add('is-reviewed');
        cap.append(el('span', 'badge', it.reviewed === it.label ? '✓' : `✎ was ${it.label}`));
      }
      const given = givenCaption(it);
      if (given) {
        const g = el('span', 'given', given);
        g.dataset.testid = 'review-given';
        g.title = `The folder says ${it.given}; the model predicts ${it.label} (suspect score ${(it.suspect ?? 0).toFixed(2)}). m: move it into the ${it.label} folder`;
        cap.append(g);
      }
    }
    cap.append(el('span', 'name', it.path.split('/').pop() ?? it.path));
    return cap;
  }
}
