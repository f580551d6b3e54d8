import { describe, expect, it } from 'vitest';
import { OnnxFormatError, readOnnxHeader } from '../../src/core/model/onnxProto';

// A tiny protobuf writer, enough to build ModelProto headers for the tests.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const enc = new TextEncoder();
function lenField(field: number, bytes: number[]): number[] {
  return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
}
function str(field: number, s: string): number[] {
  return lenField(field, [...enc.encode(s)]);
}
function kv(key: string, value: string): number[] {
  return lenField(14, [...str(1, key), ...str(2, value)]);
}
function model(parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

describe('readOnnxHeader', () => {
  it('reads metadata_props, opset and producer, skipping the graph', () => {
    const graph = lenField(7, new Array(300).fill(0x08));
    const opset = lenField(8, [...str(1, ''), ...varint(2 * 8 + 0), ...varint(18)]);
    const bytes = model([
      [...varint(1 * 8), ...varint(9)],
      str(2, 'pytorch'),
      graph,
      opset,
      kv('rcnn_lens.grid', '[8, 8]'),
      kv('rcnn_lens.name', 'résumé ✓'),
    ]);
    const h = readOnnxHeader(bytes);
    expect(h.irVersion).toBe(9);
    expect(h.producerName).toBe('pytorch');
    expect(h.opsetVersions).toEqual([18]);
    expect(h.hasGraph).toBe(true);
    expect(h.metadata).toEqual({ 'rcnn_lens.grid': '[8, 8]', 'rcnn_lens.name': 'résumé ✓' });
  });

  it('rejects an empty file, a JPEG, text and a truncated model', () => {
    expect(() => readOnnxHeader(new Uint8Array())).toThrow(/empty/);
    expect(() => readOnnxHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).toThrow(OnnxFormatError);
    expect(() => readOnnxHeader(enc.encode('hello, this is not a model'))).toThrow(OnnxFormatError);
    const full = model([[...varint(8), ...varint(9)], lenField(7, new Array(50).fill(1))]);
    expect(() => readOnnxHeader(full.subarray(0, full.length - 10))).toThrow(/past the end/);
  });

  it('requires a graph', () => {
    expect(() => readOnnxHeader(model([[...varint(8), ...varint(9)], kv('a', 'b')]))).toThrow(/no ONNX model header/);
  });
});
