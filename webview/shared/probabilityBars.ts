/**
 * A list of labelled probability bars (label · bar · percentage), used for the final
 * prediction and the running one. The bar width is set through the CSSOM, which the
 * panel's CSP allows (style attributes in markup would not be).
 */
import { el } from './dom';
import { formatPercent } from './format';

export interface BarItem {
  label: string;
  probability: number;
  /** Marks a bar, e.g. the final top class in the running prediction. */
  highlight?: boolean;
}

export function renderBars(list: HTMLElement, items: readonly BarItem[]): void {
  const rows = items.map((item) => {
    const fill = el('span', { className: 'bar-fill' });
    fill.style.width = `${Math.max(0, Math.min(1, item.probability)) * 100}%`;
    const pct = formatPercent(item.probability);
    const row = el(
      'li',
      { className: item.highlight ? 'bar-row highlight' : 'bar-row', attrs: { 'aria-label': `${item.label}: ${pct}` } },
      el('span', { className: 'bar-label', text: item.label, attrs: { title: item.label } }),
      el('span', { className: 'bar-track', attrs: { 'aria-hidden': 'true' } }, fill),
      el('span', { className: 'bar-value', text: pct }),
    );
    return row;
  });
  list.replaceChildren(...rows);
}
