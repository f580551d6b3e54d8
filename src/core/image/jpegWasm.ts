/**
 * A fast path for the commonest tiny input: a plain RGB JPEG that already has the model's
 * input size (CIFAR-style datasets). libvips spends ~0.3–0.6 ms of fixed cost per image
 * setting up a pipeline; libjpeg-turbo compiled to WebAssembly (the `@cwasm/jpeg-turbo`
 * build) decodes a 32×32 JPEG in ~0.05 ms, synchronously, in this thread.
 *
 * Same library, same defaults (accurate integer IDCT, fancy chroma upsampling) as the
 * libjpeg-turbo inside sharp, so the pixels are bit-identical (checked by tests on baseline,
 * progressive, 4:4:4 and 4:2:0 files). Anything unusual (other size, EXIF, ICC profile, Adobe
 * segment, grey or CMYK, any decoder warning or error) returns undefined and the caller
 * takes the sharp path, which also produces the precise error for broken files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { readJpegHeader } from './jpegHeader';

// The host tsconfig has no DOM lib, so the few WebAssembly types used here are spelled out.
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface TurboExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDestroy(handle: number): number;
  tjDecompress2(
    handle: number, src: number, srcSize: number, dst: number,
    width: number, pitch: number, height: number, pixelFormat: number, flags: number,
  ): number;
}

const TJPF_RGB = 0;
const WASM_FILE = 'jpeg-turbo.wasm';

class DecoderFailed extends Error {}

let compiled: WasmModule | null | undefined;
let instance: { exports: TurboExports; handle: number } | undefined;

/** The .wasm sits next to the bundle (copied by scripts/build.mjs) or in node_modules (tests, dev). */
function findWasm(): string | undefined {
  const candidates = [path.join(__dirname, WASM_FILE)];
  try {
    const pkg = '@cwasm/jpeg-turbo/' + WASM_FILE;
    candidates.push(createRequire(__filename).resolve(pkg));
  } catch {
    // not installed next to the sources: only the bundled copy can exist
  }
  return candidates.find((p) => existsSync(p));
}

function compile(): WasmModule | null {
  if (compiled === undefined) {
    const file = findWasm();
    try {
      compiled = file ? new wasmApi.Module(readFileSync(file)) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

function instantiate(): typeof instance {
  const module = compile();
  if (!module) return undefined;
  // libjpeg reports fatal errors by longjmp; throwing unwinds the whole wasm call instead.
  // The instance may then hold leaked or half-freed memory, so a failure discards it.
  const fail = (): never => {
    throw new DecoderFailed('libjpeg error');
  };
  const wasi = {
    environ_sizes_get: () => 0,
    environ_get: fail,
    proc_exit: fail,
    fd_close: fail,
    fd_seek: fail,
    fd_write: fail,
  };
  const inst = new wasmApi.Instance(module, { env: { setjmp: () => 0, longjmp: fail }, wasi_snapshot_preview1: wasi });
  const exports = inst.exports as unknown as TurboExports;
  const handle = exports.tjInitDecompress();
  return handle ? { exports, handle } : undefined;
}

/** True when the WebAssembly decoder could be loaded (false e.g. when the .wasm is missing). */
export function wasmJpegAvailable(): boolean {
  return compile() !== null;
}

/**
 * Decodes `bytes` to packed RGB (H×W×3) if it is a plain 3-component JPEG of exactly
 * `width`×`height` with nothing that could make sharp's pixels differ; otherwise undefined.
 */
export function decodePlainJpegRgb(bytes: Uint8Array, width: number, height: number): Uint8Array | undefined {
  const h = readJpegHeader(bytes);
  if (!h || h.width !== width || h.height !== height || h.components !== 3 || h.exif || h.icc || h.adobe) return undefined;
  instance ??= instantiate();
  const dec = instance;
  if (!dec) return undefined;
  const x = dec.exports;
  const outSize = width * height * 3;
  let src = 0;
  let dst = 0;
  try {
    src = x.malloc(bytes.length);
    dst = x.malloc(outSize);
    if (!src || !dst) throw new DecoderFailed('out of wasm memory');
    new Uint8Array(x.memory.buffer, src, bytes.length).set(bytes);
    // flags 0: accurate IDCT and fancy upsampling, as libvips; any warning (e.g. truncated data) is non-zero
    const status = x.tjDecompress2(dec.handle, src, bytes.length, dst, width, width * 3, height, TJPF_RGB, 0);
    if (status !== 0) throw new DecoderFailed(`tjDecompress2 returned ${status}`);
    return new Uint8Array(x.memory.buffer, dst, outSize).slice();
  } catch {
    // a fresh instance for the next file; sharp decodes this one (and names its problem)
    instance = undefined;
    return undefined;
  } finally {
    if (instance === dec) {
      if (src) x.free(src);
      if (dst) x.free(dst);
    }
  }
}
