import { describe, expect, it } from 'vitest';
import { bilinearResize, sampleAxis, upsampleBilinear } from '../../src/shared/heatmap/upsample';

const at = (img: Float32Array, width: number, x: number, y: number) => img[y * width + x];

describe('bilinear upsampling with cell-centre alignment', () => {
  // 2×2 grid: [[0, 1], [2, 3]] resized to 4×4. Cell centres fall at pixel coordinate 1.0 and 3.0,
  // pixel centres at 0.5, 1.5, 2.5, 3.5 → interpolation weights 0 (clamped), 0.25, 0.75, 1 (clamped).
  const grid = [0, 1, 2, 3];
  const img = bilinearResize(grid, 2, 2, 4, 4);

  it('clamps at the borders: corner pixels take the corner cell values', () => {
    expect(at(img, 4, 0, 0)).toBeCloseTo(0);
    expect(at(img, 4, 3, 0)).toBeCloseTo(1);
    expect(at(img, 4, 0, 3)).toBeCloseTo(2);
    expect(at(img, 4, 3, 3)).toBeCloseTo(3);
  });

  it('interpolates between cell centres at the expected weights', () => {
    expect(at(img, 4, 1, 0)).toBeCloseTo(0.25);
    expect(at(img, 4, 2, 0)).toBeCloseTo(0.75);
    expect(at(img, 4, 0, 1)).toBeCloseTo(0.5); // rows: 0 + 0.25 * 2
    expect(at(img, 4, 1, 1)).toBeCloseTo(0.75); // 0.25 + 0.5
    expect(at(img, 4, 2, 2)).toBeCloseTo(2.25); // 0.75 + 1.5
  });

  it('is exact on a linear ramp between the outermost cell centres', () => {
    // 4 cells over 8 px: cell centres at x = 1, 3, 5, 7; pixel centres at 0.5 … 7.5.
    // Pixel 0 (0.5) and pixel 7 (7.5) lie outside the outermost centres and are clamped.
    const ramp = bilinearResize([0, 1, 2, 3], 1, 4, 8, 1);
    expect(Array.from(ramp).map((v) => +v.toFixed(3))).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
  });

  it('reproduces the grid when upsampling by 1', () => {
    expect(Array.from(bilinearResize([5, 6, 7, 8, 9, 10], 2, 3, 3, 2))).toEqual([5, 6, 7, 8, 9, 10]);
  });
});

describe('sampleAxis', () => {
  it('marks pixels outside the crop and finds the containing cell', () => {
    // A crop covering pixels [2, 6) of a 8-pixel axis, 2 cells.
    const s = sampleAxis(2, 2, 4, 8);
    expect(Array.from(s.cell)).toEqual([-1, -1, 0, 0, 1, 1, -1, -1]);
    expect(s.w[3]).toBeCloseTo(0.25); // pixel centre 3.5 → u = 0.375 → g = 0.25
  });
});

describe('masked upsampling', () => {
  it('does not leak values from unread cells into read neighbours', () => {
    // Row of 2 cells [0, 100]; only the first is read.
    const xs = sampleAxis(2, 0, 4, 4);
    const ys = sampleAxis(1, 0, 1, 1);
    const plain = upsampleBilinear([0, 100], 2, xs, ys);
    const masked = upsampleBilinear([0, 100], 2, xs, ys, [1, 0]);
    expect(plain[1]).toBeCloseTo(25);
    expect(masked[1]).toBeCloseTo(0);
    expect(Number.isNaN(masked[2])).toBe(true);
    expect(Number.isNaN(masked[3])).toBe(true);
  });
});
