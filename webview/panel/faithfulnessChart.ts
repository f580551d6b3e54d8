/**
 * The faithfulness chart: for each view, the class probability as its top-k cells are
 * removed (k = 0…L), next to a seeded random order, with each curve's area in the legend.
 * Lower area = the view found what the prediction depends on. Drawn as SVG (crisp at any
 * size, readable by tests and screen readers through its legend).
 */
import { el } from '../shared/dom';
import { chartSeriesColors, themeColor } from '../shared/themeColors';

export interface FaithfulnessCurve {
  name: string;
  curve: Float32Array;
  area: number;
}

const SVG = 'http://www.w3.org/2000/svg';
const W = 300;
const H = 130;
const PAD = { left: 30, right: 6, top: 6, bottom: 18 };

function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function path(curve: Float32Array): string {
  const steps = Math.max(1, curve.length - 1);
  const x = (k: number) => PAD.left + (k / steps) * (W - PAD.left - PAD.right);
  const y = (p: number) => PAD.top + (1 - Math.min(1, Math.max(0, p))) * (H - PAD.top - PAD.bottom);
  return Array.from(curve, (p, k) => `${k ? 'L' : 'M'}${x(k).toFixed(1)},${y(p).toFixed(1)}`).join(' ');
}

function axes(svg: SVGElement, steps: number): void {
  const ink = themeColor('--vscode-descriptionForeground', '#888');
  svg.append(svgEl('line', { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, stroke: ink, 'stroke-width': 0.6 }));
  svg.append(svgEl('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, stroke: ink, 'stroke-width': 0.6 }));
  const label = (x: number, y: number, text: string, anchor: string) => {
    const t = svgEl('text', { x, y, fill: ink, 'font-size': 9, 'text-anchor': anchor });
    t.textContent = text;
    svg.append(t);
  };
  label(PAD.left - 3, PAD.top + 8, 'p 1', 'end');
  label(PAD.left - 3, H - PAD.bottom, '0', 'end');
  label(PAD.left, H - 4, 'cells removed: 0', 'start');
  label(W - PAD.right, H - 4, String(steps), 'end');
}

export function renderFaithfulness(svg: SVGSVGElement, legend: HTMLElement, curves: FaithfulnessCurve[], random: FaithfulnessCurve): void {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  axes(svg, random.curve.length - 1);
  const colors = chartSeriesColors();
  const all = [...curves, random];
  all.forEach((c, i) => {
    const isRandom = c === random;
    const line = svgEl('path', {
      d: path(c.curve),
      fill: 'none',
      stroke: isRandom ? themeColor('--vscode-descriptionForeground', '#888') : colors[i % colors.length],
      'stroke-width': 1.5,
      'data-view': c.name,
    });
    if (isRandom) line.setAttribute('stroke-dasharray', '4 3');
    svg.append(line);
  });
  // Best (lowest area) first: the legend reads as a ranking of the views for this image.
  const ranked = [...curves].sort((a, b) => a.area - b.area);
  legend.replaceChildren(
    ...ranked.map((c) => {
      const swatch = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
      swatch.style.backgroundColor = colors[all.indexOf(c) % colors.length];
      const ratio = random.area > 0 ? ` (${(c.area / random.area).toFixed(2)}× random)` : '';
      return el('li', { attrs: { 'data-view': c.name } }, swatch, el('span', { text: `${c.name}: area ${c.area.toFixed(3)}${ratio}` }));
    }),
    el('li', { attrs: { 'data-view': 'random' } }, el('span', { text: `random order: area ${random.area.toFixed(3)}` })),
  );
}
