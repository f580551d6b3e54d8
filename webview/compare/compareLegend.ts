/** The one colour scale of the compare panel: the shared colormap, or the diverging scale of A − B. */
import { colormapCss, type ColormapName } from '../../src/shared/heatmap/colormaps';
import { divergingCss } from '../../src/shared/heatmap/diverging';
import type { ValueRange } from '../../src/shared/heatmap/normalize';
import { formatValue } from '../shared/format';
import type { CompareDom } from './compareDom';

export function renderCompareLegend(
  e: CompareDom['legend'],
  scale: 'shared' | 'difference',
  colormap: ColormapName,
  range: ValueRange | undefined,
  quantityName: string,
): void {
  const css = (v: number) => (scale === 'difference' ? divergingCss(v) : colormapCss(colormap, v));
  e.bar.style.backgroundImage = `linear-gradient(to right, ${Array.from({ length: 9 }, (_, i) => css(i / 8)).join(', ')})`;
  e.min.textContent = range ? formatValue(range.min) : '';
  e.max.textContent = range ? formatValue(range.max) : '';
  e.caption.textContent =
    scale === 'difference'
      ? `A − B of ${quantityName}: red where A is higher, blue where B is higher (same map on both images)`
      : `${quantityName}, one scale for both sides (min and max over A and B, all timesteps)`;
  e.bar.dataset.scale = scale;
}
