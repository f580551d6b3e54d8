/** The colour scale under the heatmap: the colormap as a bar, the raw range, and what is shown. */
import { colormapCss, type ColormapName } from '../../src/shared/heatmap/colormaps';
import type { ValueRange } from '../../src/shared/heatmap/normalize';
import { formatValue } from '../shared/format';

export interface LegendElements {
  min: HTMLElement;
  bar: HTMLElement;
  max: HTMLElement;
  caption: HTMLElement;
}

export function renderLegend(e: LegendElements, colormap: ColormapName, range: ValueRange | undefined, caption: string): void {
  const stops = Array.from({ length: 9 }, (_, i) => colormapCss(colormap, i / 8));
  e.bar.style.backgroundImage = `linear-gradient(to right, ${stops.join(', ')})`;
  e.min.textContent = range ? formatValue(range.min) : '';
  e.max.textContent = range ? formatValue(range.max) : '';
  e.caption.textContent = caption;
}
