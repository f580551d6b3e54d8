import { describe, expect, it } from 'vitest';
import { colormapLut } from '../../src/core/heatmap/colormaps';
import { paintHeatmap } from '../../src/core/heatmap/raster';
import { sampleAxis } from '../../src/core/heatmap/upsample';

const px = (rgba: Uint8ClampedArray, width: number, x: number, y: number) => Array.from(rgba.slice((y * width + x) * 4, (y * width + x) * 4 + 4));

describe('paintHeatmap', () => {
  const lut = colormapLut('grey');
  // A 1×2 grid [0, 1] on a 6×1 canvas whose crop covers pixels [1, 5).
  const xs = sampleAxis(2, 1, 4, 6);
  const ys = sampleAxis(1, 0, 1, 1);

  it('colours through the LUT with the chosen opacity and leaves outside the crop transparent', () => {
    const rgba = paintHeatmap({ grid: [0, 1], cols: 2, xs, ys, lut, opacity: 0.5, threshold: 0 });
    expect(px(rgba, 6, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(px(rgba, 6, 1, 0)).toEqual([0, 0, 0, 128]); // cell 0 centre → value 0 → black
    expect(px(rgba, 6, 2, 0)).toEqual([64, 64, 64, 128]); // 0.25 of the way to cell 1
    expect(px(rgba, 6, 4, 0)).toEqual([255, 255, 255, 128]);
    expect(px(rgba, 6, 5, 0)).toEqual([0, 0, 0, 0]);
  });

  it('leaves values below the threshold transparent', () => {
    const rgba = paintHeatmap({ grid: [0, 1], cols: 2, xs, ys, lut, opacity: 1, threshold: 0.5 });
    expect(px(rgba, 6, 2, 0)[3]).toBe(0); // 0.25
    expect(px(rgba, 6, 3, 0)).toEqual([191, 191, 191, 255]); // 0.75
  });

  it('veils unread cells instead of colouring them', () => {
    const rgba = paintHeatmap({ grid: [0, 1], cols: 2, xs, ys, lut, opacity: 1, threshold: 0, visible: [1, 0], unreadVeil: [10, 20, 30, 40] });
    expect(px(rgba, 6, 2, 0)).toEqual([0, 0, 0, 255]); // cell 0, no leak from cell 1
    expect(px(rgba, 6, 3, 0)).toEqual([10, 20, 30, 40]);
  });

  it('hatches unread cells with diagonal lines so they never read as "low"', () => {
    const wide = sampleAxis(1, 0, 16, 16);
    const rgba = paintHeatmap({
      grid: [0.5], cols: 1, xs: wide, ys, lut, opacity: 1, threshold: 0, visible: [0],
      unreadVeil: [0, 0, 0, 100], unreadHatch: [255, 255, 255, 50],
    });
    // Row 0: x = 0, 1 (and 8, 9) are on a line; the rest is veil.
    expect(px(rgba, 16, 0, 0)).toEqual([255, 255, 255, 50]);
    expect(px(rgba, 16, 1, 0)).toEqual([255, 255, 255, 50]);
    expect(px(rgba, 16, 2, 0)).toEqual([0, 0, 0, 100]);
    expect(px(rgba, 16, 8, 0)).toEqual([255, 255, 255, 50]);
  });
});
