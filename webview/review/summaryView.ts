/** The summary above the gallery: counts per class (click: filter), the score histogram, errors, the digit keys. */
import type { ReviewItem } from '../../src/shared/reviewProtocol';
import { classCounts, histogram } from './model';
import { type ReviewDom, el } from './reviewDom';

/** Errors listed by name; the rest are counted (the Errors filter shows them all). */
const MAX_LISTED_ERRORS = 500;

export function renderSummary(dom: ReviewDom, items: readonly ReviewItem[], classes: readonly string[], onClassChip: (label: string) => void): void {
  dom.classCounts.replaceChildren(
    ...classCounts(items).map(([label, n]) => {
      const li = el('li', 'class-count');
      const b = el('button', 'chip', `${label} ${n}`);
      b.type = 'button';
      b.title = `Show only ${label}`;
      b.addEventListener('click', () => onClassChip(label));
      li.append(b);
      return li;
    }),
  );
  const hist = histogram(items, 10);
  const max = Math.max(1, ...hist);
  dom.histogram.replaceChildren(
    ...hist.map((n, i) => {
      const bar = el('div', 'bar');
      bar.style.height = `${Math.round((100 * n) / max)}%`; // CSSOM: allowed by the CSP
      bar.title = `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${n}`;
      return bar;
    }),
  );
  const errors = items.filter((i) => i.error);
  dom.errorCount.textContent = errors.length ? `${errors.length} file(s) could not be labeled` : 'No errors';
  dom.errorList.replaceChildren(
    ...errors.slice(0, MAX_LISTED_ERRORS).map((it) => {
      const li = el('li');
      li.append(el('code', undefined, it.path), document.createTextNode(` — ${it.error!.code}: ${it.error!.message}`));
      return li;
    }),
    ...(errors.length > MAX_LISTED_ERRORS ? [el('li', undefined, `… and ${errors.length - MAX_LISTED_ERRORS} more (filter Show: Errors)`)] : []),
  );
  dom.classKeys.replaceChildren(...classes.slice(0, 10).map((c, i) => el('span', 'key', `${i === 9 ? 0 : i + 1}: ${c}`)));
}
