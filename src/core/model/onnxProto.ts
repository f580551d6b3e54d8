/**
 * A minimal reader for the top level of an ONNX ModelProto.
 *
 * onnxruntime-node does not expose a model's `metadata_props`, and we want to tell a
 * user "this is not an ONNX file" before handing it to a native parser, so we scan the
 * protobuf wire format ourselves. Only the fields we need are decoded; everything else
 * is skipped by its length, so even a 100 MB model is scanned without copying.
 */

export interface OnnxHeader {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  opsetVersions: number[];
  metadata: Record<string, string>;
  hasGraph: boolean;
}

export class OnnxFormatError extends Error {}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

// ModelProto field numbers (onnx.proto3).
const FIELD_IR_VERSION = 1;
const FIELD_PRODUCER_NAME = 2;
const FIELD_PRODUCER_VERSION = 3;
const FIELD_GRAPH = 7;
const FIELD_OPSET_IMPORT = 8;
const FIELD_METADATA_PROPS = 14;

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new OnnxFormatError('truncated varint');
      const byte = this.buf[this.pos++];
      // Multiplication instead of << keeps values above 2^31 correct.
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new OnnxFormatError('varint too long');
    }
  }
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.advance(this.varint());
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new OnnxFormatError(`unsupported wire type ${wireType}`);
    }
  }
  advance(n: number): void {
    if (this.pos + n > this.end) throw new OnnxFormatError('field runs past the end of the file');
    this.pos += n;
  }
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    this.advance(len);
    return [start, start + len];
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function readString(buf: Uint8Array, [start, end]: [number, number]): string {
  return utf8.decode(buf.subarray(start, end));
}

function readKeyValue(buf: Uint8Array, range: [number, number]): [string, string] {
  const r = new Reader(buf, range[0], range[1]);
  let key = '';
  let value = '';
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === WIRE_LEN && (field === 1 || field === 2)) {
      const s = readString(buf, r.bytes());
      if (field === 1) key = s;
      else value = s;
    } else r.skip(wire);
  }
  return [key, value];
}

function readOpsetVersion(buf: Uint8Array, range: [number, number]): { domain: string; version: number } {
  const r = new Reader(buf, range[0], range[1]);
  let domain = '';
  let version = 0;
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === WIRE_LEN) domain = readString(buf, r.bytes());
    else if (field === 2 && wire === WIRE_VARINT) version = r.varint();
    else r.skip(wire);
  }
  return { domain, version };
}

/** Parses the ModelProto header. Throws OnnxFormatError when the bytes are not a model. */
export function readOnnxHeader(buf: Uint8Array): OnnxHeader {
  if (buf.length === 0) throw new OnnxFormatError('the file is empty');
  const header: OnnxHeader = { opsetVersions: [], metadata: {}, hasGraph: false };
  const r = new Reader(buf);
  let sawField = false;
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new OnnxFormatError('field number 0 is not valid protobuf');
    sawField = true;
    if (field === FIELD_IR_VERSION && wire === WIRE_VARINT) header.irVersion = r.varint();
    else if (field === FIELD_PRODUCER_NAME && wire === WIRE_LEN) header.producerName = readString(buf, r.bytes());
    else if (field === FIELD_PRODUCER_VERSION && wire === WIRE_LEN) header.producerVersion = readString(buf, r.bytes());
    else if (field === FIELD_GRAPH && wire === WIRE_LEN) {
      r.bytes();
      header.hasGraph = true;
    } else if (field === FIELD_OPSET_IMPORT && wire === WIRE_LEN) {
      const op = readOpsetVersion(buf, r.bytes());
      if (op.domain === '' || op.domain === 'ai.onnx') header.opsetVersions.push(op.version);
    } else if (field === FIELD_METADATA_PROPS && wire === WIRE_LEN) {
      const [k, v] = readKeyValue(buf, r.bytes());
      header.metadata[k] = v;
    } else r.skip(wire);
  }
  if (!sawField || header.irVersion === undefined || !header.hasGraph) {
    throw new OnnxFormatError('no ONNX model header (ir_version and graph) was found');
  }
  return header;
}
