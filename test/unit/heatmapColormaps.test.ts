import { describe, expect, it } from 'vitest';
import { COLORMAP_NAMES, colormapCss, colormapLut, isColormapName, LUT_SIZE, lutIndex } from '../../src/shared/heatmap/colormaps';

const rgb = (lut: Uint8Array, i: number) => [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]];
/** Rec. 709 relative luminance of sRGB bytes (linearised). */
function luminance([r, g, b]: number[]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

describe('colormaps', () => {
  it('every map has 256 RGB entries', () => {
    for (const name of COLORMAP_NAMES) expect(colormapLut(name).length).toBe(LUT_SIZE * 3);
  });

  it('viridis starts at #440154 and ends at #fde725 (matplotlib endpoints)', () => {
    const lut = colormapLut('viridis');
    expect(rgb(lut, 0)).toEqual([0x44, 0x01, 0x54]);
    expect(rgb(lut, 255)).toEqual([0xfd, 0xe7, 0x25]);
    // The midpoint of matplotlib's table (index 128) is #21918c; allow the stop interpolation's rounding.
    const mid = rgb(lut, 128);
    [0x21, 0x91, 0x8c].forEach((c, i) => expect(Math.abs(mid[i] - c)).toBeLessThanOrEqual(3));
  });

  it('viridis, magma, inferno and grey get brighter monotonically', () => {
    for (const name of ['viridis', 'magma', 'inferno', 'grey'] as const) {
      const lut = colormapLut(name);
      // Strictly brighter every 8 entries; between neighbours only 8-bit rounding may dip, and barely.
      for (let i = 8; i < LUT_SIZE; i++) {
        expect(luminance(rgb(lut, i)), `${name} at ${i}`).toBeGreaterThan(luminance(rgb(lut, i - 8)));
        expect(luminance(rgb(lut, i)), `${name} at ${i}`).toBeGreaterThan(luminance(rgb(lut, i - 1)) - 1e-3);
      }
    }
  });

  it('magma and inferno run from near black to their light ends', () => {
    expect(rgb(colormapLut('magma'), 0)).toEqual([0, 0, 4]);
    expect(rgb(colormapLut('magma'), 255)).toEqual([0xfc, 0xfd, 0xbf]);
    expect(rgb(colormapLut('inferno'), 255)).toEqual([0xfc, 0xff, 0xa4]);
  });

  it('turbo has the endpoints of Google\'s table and is green-yellow in the middle', () => {
    const lut = colormapLut('turbo');
    expect(rgb(lut, 0)).toEqual([48, 18, 59]);
    expect(rgb(lut, 255)).toEqual([122, 4, 3]);
    const [r, g, b] = rgb(lut, 128);
    expect(g).toBeGreaterThan(240);
    expect(Math.abs(r - 164)).toBeLessThanOrEqual(3);
    expect(Math.abs(b - 60)).toBeLessThanOrEqual(3);
  });

  it('grey is the identity ramp', () => {
    const lut = colormapLut('grey');
    expect(rgb(lut, 0)).toEqual([0, 0, 0]);
    expect(rgb(lut, 100)).toEqual([100, 100, 100]);
    expect(rgb(lut, 255)).toEqual([255, 255, 255]);
  });

  it('lutIndex clamps and treats NaN as 0', () => {
    expect(lutIndex(-1)).toBe(0);
    expect(lutIndex(NaN)).toBe(0);
    expect(lutIndex(0.5)).toBe(128);
    expect(lutIndex(2)).toBe(255);
    expect(colormapCss('grey', 1)).toBe('rgb(255, 255, 255)');
  });

  it('recognises only the known names', () => {
    expect(isColormapName('magma')).toBe(true);
    expect(isColormapName('jet')).toBe(false);
    expect(isColormapName(3)).toBe(false);
  });
});
