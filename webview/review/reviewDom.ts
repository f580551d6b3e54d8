/** Every element of the review gallery's markup (src/vscode/batch/reviewHtml.ts) the script touches, looked up once. */
import type { ToolkitCheckbox, ToolkitDropdown } from '../shared/toolkit';

export function queryReviewDom(root: ParentNode = document) {
  const $ = <T extends HTMLElement>(id: string): T => {
    const found = root.querySelector<T>(`[data-testid="${id}"]`);
    if (!found) throw new Error(`review markup is missing [data-testid=${id}]`);
    return found;
  };
  return {
    root: $('review-gallery'),
    title: $('review-title'),
    status: $('review-status'),
    scroller: $('review-scroller'),
    spacer: $('review-spacer'),
    sort: $<ToolkitDropdown>('sort'),
    labelFilter: $<ToolkitDropdown>('filter-label'),
    statusFilter: $<ToolkitDropdown>('filter-status'),
    threshold: $<HTMLInputElement>('threshold'),
    thresholdOut: $<HTMLOutputElement>('threshold-value'),
    group: $<ToolkitCheckbox>('group'),
    classCounts: $('class-counts'),
    histogram: $('score-histogram'),
    errorCount: $('error-count'),
    errorList: $('error-list'),
    classKeys: $('class-keys'),
    pickerBox: $('class-picker-box'),
    pickerFilter: $<HTMLInputElement>('class-picker-filter'),
    picker: $<HTMLSelectElement>('class-picker'),
  };
}

export type ReviewDom = ReturnType<typeof queryReviewDom>;

/** An element with a class and text (the gallery's cells and captions). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
