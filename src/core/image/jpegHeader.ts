/**
 * Reads a JPEG's frame header in JS, without decoding: enough to know its size and
 * whether anything (EXIF orientation, ICC profile, Adobe transform) could change the
 * pixels beyond a plain decode. Lets the decoders skip a separate libvips header pass.
 */
/** What the fast path needs from a JPEG header (parsed in JS, no decoding). */
export interface JpegHeader {
  width: number;
  height: number;
  components: number;
  /** Segments that could change the pixels beyond a plain decode: EXIF (orientation), ICC profile, Adobe transform. */
  exif: boolean;
  icc: boolean;
  adobe: boolean;
}

export function readJpegHeader(b: Uint8Array): JpegHeader | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  const u16 = (i: number) => (b[i] << 8) | b[i + 1];
  const tag = (i: number, s: string) => {
    for (let k = 0; k < s.length; k++) if (b[i + k] !== s.charCodeAt(k)) return false;
    return true;
  };
  let exif = false;
  let icc = false;
  let adobe = false;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    const m = b[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2;
      continue;
    }
    const len = u16(i + 2);
    if (len < 2) return undefined;
    if (m === 0xe1 && tag(i + 4, 'Exif')) exif = true;
    if (m === 0xe2 && tag(i + 4, 'ICC_PROFILE')) icc = true;
    if (m === 0xee) adobe = true;
    if (m === 0xc0 || m === 0xc1 || m === 0xc2) {
      if (i + 10 > b.length) return undefined;
      return { height: u16(i + 5), width: u16(i + 7), components: b[i + 9], exif, icc, adobe };
    }
    if (m === 0xda || m === 0xd9) return undefined; // scan data before a frame header: not a JPEG we understand
    i += 2 + len;
  }
  return undefined;
}

