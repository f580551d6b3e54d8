/** The compare panel's maths on hand-made arrays: one scale for both sides, and A − B on a symmetric scale. */
import { describe, expect, it } from 'vitest';
import { bothRead, differenceGrid, normalizeDiverging, sharedRange, symmetricRange } from '../../src/shared/heatmap/compare';
import { divergingCss, divergingLut } from '../../src/shared/heatmap/diverging';
import { LUT_SIZE } from '../../src/shared/heatmap/colormaps';

describe('sharedRange', () => {
  it('covers both sides', () => {
    expect(sharedRange({ min: 1, max: 3 }, { min: -2, max: 2 })).toEqual({ min: -2, max: 3 });
    expect(sharedRange({ min: 0, max: 10 }, { min: 2, max: 4 })).toEqual({ min: 0, max: 10 });
  });

  it('takes one side when the other has no finite value', () => {
    expect(sharedRange(undefined, { min: 2, max: 5 })).toEqual({ min: 2, max: 5 });
    expect(sharedRange({ min: 2, max: 5 }, undefined)).toEqual({ min: 2, max: 5 });
    expect(sharedRange(undefined, undefined)).toBeUndefined();
  });
});

describe('differenceGrid', () => {
  it('subtracts cell by cell, NaN where a side is not finite', () => {
    const d = differenceGrid([3, 1, 5, NaN, Infinity], [1, 4, 5, 2, 1]);
    expect(Array.from(d.subarray(0, 3))).toEqual([2, -3, 0]);
    expect(Number.isNaN(d[3])).toBe(true);
    expect(Number.isNaN(d[4])).toBe(true);
  });

  it('refuses grids of different sizes', () => {
    expect(() => differenceGrid([1, 2], [1, 2, 3])).toThrow(/2 and 3 cells/);
  });
});

describe('symmetricRange and normalizeDiverging', () => {
  it('centre zero: the larger magnitude sets both ends', () => {
    expect(symmetricRange([2, -3, 0.5])).toEqual({ min: -3, max: 3 });
    expect(symmetricRange([1, 4])).toEqual({ min: -4, max: 4 });
    expect(symmetricRange([NaN])).toBeUndefined();
  });

  it('maps −m → 0, 0 → 0.5, m → 1, and non-finite to the neutral middle', () => {
    const range = symmetricRange([2, -4, 0, NaN])!;
    expect(Array.from(normalizeDiverging([2, -4, 0, NaN, 4], range))).toEqual([0.75, 0, 0.5, 0.5, 1]);
  });

  it('shows no difference as all neutral', () => {
    expect(Array.from(normalizeDiverging([0, 0, 0], symmetricRange([0, 0, 0])))).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(normalizeDiverging([1, 2], undefined))).toEqual([0.5, 0.5]);
  });
});

describe('bothRead', () => {
  it('keeps a cell only when both sides have read it', () => {
    expect(Array.from(bothRead([1, 1, 0, 0], [1, 0, 1, 0]))).toEqual([1, 0, 0, 0]);
  });
});

describe('diverging colour scale', () => {
  it('runs blue → light neutral → red', () => {
    const lut = divergingLut();
    expect(lut.length).toBe(LUT_SIZE * 3);
    const at = (i: number) => Array.from(lut.subarray(i * 3, i * 3 + 3));
    const [r0, , b0] = at(0);
    const [r1, , b1] = at(LUT_SIZE - 1);
    expect(b0).toBeGreaterThan(r0);
    expect(r1).toBeGreaterThan(b1);
    const mid = at(Math.round((LUT_SIZE - 1) / 2));
    for (const c of mid) expect(c).toBeGreaterThan(230);
    expect(divergingCss(0)).toBe(`rgb(${at(0).join(', ')})`);
  });
});
