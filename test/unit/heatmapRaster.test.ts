import { describe, expect, it } from 'vitest';
import { colormapLut } from '../../src/shared/heatmap/colormaps';
import { paintHeatmap } from '../../src/shared/heatmap/raster';
import { sampleAxis, upsampleBilinear } from '../../src/shared/heatmap/upsample';
import { lutIndex } from '../../src/shared/heatmap/colormaps';

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

  it('matches the reference upsampler pixel for pixel, with and without a mask', () => {
    // A pseudo-random 5×7 grid, an off-centre crop, odd canvas size.
    const rows = 5, cols = 7, width = 53, height = 41;
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const grid = Float32Array.from({ length: rows * cols }, rand);
    const visible = Uint8Array.from({ length: rows * cols }, (_, i) => (i % 3 === 0 || i > 20 ? 1 : 0));
    const xs2 = sampleAxis(cols, 4.5, 44, width);
    const ys2 = sampleAxis(rows, 2, 37.5, height);
    for (const mask of [undefined, visible]) {
      const rgba = paintHeatmap({ grid, cols, xs: xs2, ys: ys2, lut, opacity: 1, threshold: 0.3, visible: mask, unreadVeil: [1, 2, 3, 4] });
      const ref = upsampleBilinear(grid, cols, xs2, ys2, mask);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const inside = xs2.cell[x] >= 0 && ys2.cell[y] >= 0;
          const unread = inside && mask && !mask[ys2.cell[y] * cols + xs2.cell[x]];
          const v = ref[y * width + x];
          const want = !inside ? [0, 0, 0, 0] : unread ? [1, 2, 3, 4] : v >= 0.3 ? [lutIndex(v), lutIndex(v), lutIndex(v), 255] : [0, 0, 0, 0];
          expect(px(rgba, width, x, y), `(${x}, ${y}) ${mask ? 'masked' : 'full'}`).toEqual(want);
        }
      }
    }
  });
});
