/**
 * The shared libraries an ELF file asks the dynamic loader for (its DT_NEEDED entries), read
 * from the section headers: enough to name what a CUDA provider library is missing before
 * onnxruntime fails with a bare "cannot open shared object file". 64-bit little-endian only
 * (Linux x64/arm64, where onnxruntime ships CUDA); anything else returns undefined.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const SHT_DYNAMIC = 6;
const DT_NEEDED = 1n;
const MAX_ENTRIES = 4096;
const MAX_TABLE_BYTES = 16 << 20;

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Buffer;

export function bufferReader(buf: Buffer): ReadAt {
  return (offset, length) => buf.subarray(offset, offset + length);
}

/** Reads only the ELF headers and the dynamic tables of a file, however large the library is. */
export function readNeededLibrariesOfFile(file: string): string[] | undefined {
  const fd = openSync(file, 'r');
  try {
    return readNeededLibraries((offset, length) => {
      const out = Buffer.alloc(length);
      const n = readSync(fd, out, 0, length, offset);
      return out.subarray(0, n);
    });
  } finally {
    closeSync(fd);
  }
}

export function readNeededLibraries(read: ReadAt): string[] | undefined {
  const head = read(0, 64);
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
  const shoff = Number(head.readBigUInt64LE(0x28));
  const shentsize = head.readUInt16LE(0x3a);
  const shnum = head.readUInt16LE(0x3c);
  if (shentsize < 64 || shnum * shentsize > MAX_TABLE_BYTES) return undefined;
  const table = read(shoff, shnum * shentsize);
  if (table.length < shnum * shentsize) return undefined;
  const section = (i: number) => {
    const at = i * shentsize;
    return {
      type: table.readUInt32LE(at + 4),
      offset: Number(table.readBigUInt64LE(at + 0x18)),
      size: Number(table.readBigUInt64LE(at + 0x20)),
      link: table.readUInt32LE(at + 0x28),
    };
  };
  for (let i = 0; i < shnum; i++) {
    const dyn = section(i);
    if (dyn.type !== SHT_DYNAMIC || dyn.link >= shnum) continue;
    const strSection = section(dyn.link);
    if (dyn.size > MAX_TABLE_BYTES || strSection.size > MAX_TABLE_BYTES) return undefined;
    const entries = read(dyn.offset, dyn.size);
    const strings = read(strSection.offset, strSection.size);
    const needed: string[] = [];
    for (let at = 0, n = 0; at + 16 <= entries.length && n < MAX_ENTRIES; at += 16, n++) {
      const tag = entries.readBigInt64LE(at);
      if (tag === 0n) break;
      if (tag !== DT_NEEDED) continue;
      const start = Number(entries.readBigUInt64LE(at + 8));
      const end = strings.indexOf(0, start);
      if (start >= strings.length || end < 0) return undefined;
      needed.push(strings.toString('latin1', start, Math.min(end, start + 256)));
    }
    return needed;
  }
  return [];
}
