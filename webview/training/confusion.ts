/** The confusion matrix as a table: rows true class, columns predicted, cells shaded by row share. */
import { el } from '../shared/dom';

export function renderConfusion(table: HTMLTableElement, labels: string[], matrix: number[][]): void {
  table.replaceChildren();
  const head = el('tr', {}, el('th', { text: 'true \\ predicted', attrs: { scope: 'col' } }), ...labels.map((l) => el('th', { text: l, attrs: { scope: 'col' } })));
  table.append(el('thead', {}, head));
  const body = el('tbody');
  labels.forEach((label, i) => {
    const row = matrix[i] ?? [];
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const cells = labels.map((_, j) => {
      const n = row[j] ?? 0;
      const td = el('td', { text: String(n), className: i === j ? 'diag' : n ? 'off' : '' });
      // Shade in steps (classes, not inline styles: the CSP allows no style attributes).
      td.dataset.level = String(Math.min(4, Math.ceil((4 * n) / total)));
      td.title = `${label} → ${labels[j]}: ${n} (${((100 * n) / total).toFixed(1)}% of ${label})`;
      return td;
    });
    body.append(el('tr', {}, el('th', { text: label, attrs: { scope: 'row' } }), ...cells));
  });
  table.append(body);
}
