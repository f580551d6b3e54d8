/**
 * The diverging colour scale of difference maps: blue where B is larger (A − B < 0),
 * a light neutral at 0, red where A is larger. Same table layout as colormaps.ts
 * (LUT_SIZE × RGB), so the shared raster code paints it.
 */
import { LUT_SIZE, lutIndex } from './colormaps';

/** Blue → neutral → red, evenly spaced; the middle stop is value 0.5 (difference 0). */
const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [33, 102, 172],
  [103, 169, 207],
  [247, 247, 247],
  [239, 138, 98],
  [178, 24, 43],
];

let lut: Uint8Array | undefined;

export function divergingLut(): Uint8Array {
  if (lut) return lut;
  lut = new Uint8Array(LUT_SIZE * 3);
  const segments = STOPS.length - 1;
  for (let i = 0; i < LUT_SIZE; i++) {
    const p = (i / (LUT_SIZE - 1)) * segments;
    const k = Math.min(segments - 1, Math.floor(p));
    const f = p - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(STOPS[k][c] * (1 - f) + STOPS[k + 1][c] * f);
  }
  return lut;
}

/** CSS colour of a value in [0, 1] on the diverging scale (for the legend). */
export function divergingCss(value: number): string {
  const table = divergingLut();
  const i = lutIndex(value) * 3;
  return `rgb(${table[i]}, ${table[i + 1]}, ${table[i + 2]})`;
}
