/**
 * Recognises image files by their first bytes (magic numbers), so an image without an
 * extension (or with the wrong one) is still labeled, and a file that merely ends in
 * .jpg is still accounted for (its decode fails with a reason).
 */
import { open } from 'node:fs/promises';

export const IMAGE_EXTENSIONS = new Set([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.bmp', '.svg',
]);

/** Extensions that are certainly not images: the scan does not even open these. */
const NEVER_IMAGE = new Set([
  '.jsonl', '.json', '.csv', '.txt', '.md', '.py', '.ts', '.js', '.onnx', '.pt', '.pth', '.npy', '.npz', '.zip', '.gz',
  '.tar', '.html', '.xml', '.yaml', '.yml', '.log', '.lock', '.pdf', '.mp4', '.mov', '.h5',
]);

export function hasImageExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && IMAGE_EXTENSIONS.has(name.slice(dot).toLowerCase());
}

export function hasNonImageExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && NEVER_IMAGE.has(name.slice(dot).toLowerCase());
}

/** The image format the bytes start with, or undefined. */
export function sniffImageFormat(b: Uint8Array): string | undefined {
  const n = b.length;
  const at = (i: number, ...bytes: number[]) => n >= i + bytes.length && bytes.every((v, k) => b[i + k] === v);
  const ascii = (i: number, s: string) => n >= i + s.length && [...s].every((ch, k) => b[i + k] === ch.charCodeAt(0));
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (ascii(4, 'ftyp') && (ascii(8, 'avif') || ascii(8, 'avis') || ascii(8, 'heic') || ascii(8, 'heix') || ascii(8, 'mif1') || ascii(8, 'msf1'))) return 'heif';
  if (ascii(0, 'BM') && n >= 14) return 'bmp';
  if (ascii(0, 'P6') || ascii(0, 'P5')) return 'pnm';
  if (at(0, 0xff, 0x0a) || at(0, 0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20)) return 'jxl';
  return undefined;
}

export async function sniffFile(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const { bytesRead } = await fh.read(buf, 0, 16, 0);
    return sniffImageFormat(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
