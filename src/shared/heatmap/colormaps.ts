/**
 * Colormaps for the heatmap overlay as 256-entry RGB lookup tables.
 *
 * Each map is stored as 33 evenly spaced stops (hex RGB) and linearly interpolated to
 * 256 entries on first use. For matplotlib's viridis/magma/inferno and Google's
 * Turbo this reproduces their published 256-entry tables to within 3/255 per channel, at a
 * fraction of the bundle size.
 */
export type ColormapName = 'viridis' | 'magma' | 'inferno' | 'turbo' | 'grey';

export const COLORMAP_NAMES: readonly ColormapName[] = ['viridis', 'magma', 'inferno', 'turbo', 'grey'];

export function isColormapName(v: unknown): v is ColormapName {
  return typeof v === 'string' && (COLORMAP_NAMES as readonly string[]).includes(v);
}

/** Number of entries in every lookup table. */
export const LUT_SIZE = 256;

const STOPS: Record<Exclude<ColormapName, 'grey'>, string> = {
  viridis:
    '440154470d6048186a482374472d7b4537814240863e49893b528b375b8d33638d2f6b8e2c728e297a8e26828e23898e' +
    '21918c1f978b1f9f8821a68527ad8131b57b3dbc744cc26c5cc8636ece5881d34d95d840aadc32c0df25d5e21aeae51afde725',
  magma:
    '0000040303120a0822130d341d114729115a36106b440f7651127c5d177f6a1c81762181832681902a819c2e7faa337d' +
    'b73779c23b75cf4070db476ae55064ee5b5ef4695cf9785dfb8761fd9668fea571feb47bfec287fed194fde0a1fceeb0fcfdbf',
  inferno:
    '0000040403120b0724150b37210c4a2f0a5b3d09654a0c6b57106e64156e71196e7d1e6d8a226a972766a32c61b0315b' +
    'bc3754c63d4dd04545da4e3ce35933eb6429f1711ff67e14f98c0afb9b06fcaa0ffbba1ff9c932f5d949f2e865f3f586fcffa4',
  turbo:
    '30123b392a734040a24456c7466be34680f64294ff37a8fa28bceb1ccdd818ddc21fe9af32f2984ef97d6dfe628bff4ba4' +
    'fc3cb7f735cbed34dde037ecd13af7c13afdae35fe992cfb8122f56918ec530fe14109d23105c12302ac1701950d017a0403',
};

const cache = new Map<ColormapName, Uint8Array>();

/** The map's table: LUT_SIZE × RGB bytes, entry 0 for value 0, entry 255 for value 1. */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    lut = name === 'grey' ? greyLut() : interpolateStops(parseStops(STOPS[name]));
    cache.set(name, lut);
  }
  return lut;
}

/** CSS colour of a value in [0, 1] (for legends drawn in HTML). */
export function colormapCss(name: ColormapName, value: number): string {
  const lut = colormapLut(name);
  const i = lutIndex(value) * 3;
  return `rgb(${lut[i]}, ${lut[i + 1]}, ${lut[i + 2]})`;
}

/** Table index of a value in [0, 1]; out-of-range and NaN values are clamped (NaN → 0). */
export function lutIndex(value: number): number {
  if (!(value > 0)) return 0;
  if (value >= 1) return LUT_SIZE - 1;
  return Math.round(value * (LUT_SIZE - 1));
}

function greyLut(): Uint8Array {
  const lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) lut.fill(i, i * 3, i * 3 + 3);
  return lut;
}

function parseStops(hex: string): number[][] {
  const stops: number[][] = [];
  for (let i = 0; i < hex.length; i += 6) {
    stops.push([0, 2, 4].map((o) => parseInt(hex.slice(i + o, i + o + 2), 16)));
  }
  return stops;
}

function interpolateStops(stops: number[][]): Uint8Array {
  const lut = new Uint8Array(LUT_SIZE * 3);
  const segments = stops.length - 1;
  for (let i = 0; i < LUT_SIZE; i++) {
    const p = (i / (LUT_SIZE - 1)) * segments;
    const k = Math.min(segments - 1, Math.floor(p));
    const f = p - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
  }
  return lut;
}
