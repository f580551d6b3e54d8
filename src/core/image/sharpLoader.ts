/**
 * sharp (libvips), loaded on first use. A labeling worker whose images all take the WebAssembly JPEG
 * path (files already at the model's input size) never needs it: not loading it saves each worker
 * ~70 ms of start-up and ~13 MB of memory (measured with Node 20 on the 2-core machine).
 */
import type Sharp from 'sharp';

type SharpModule = typeof Sharp;

/**
 * sharp itself cannot be loaded (a broken install, a missing platform binary). Not a property of any
 * file: classifyDecodeError lets it through, so a labeling run fails with this message instead of
 * writing "corrupt" rows for every file that needed sharp.
 */
export class DecoderUnavailableError extends Error {
  override name = 'DecoderUnavailableError';
}

let loading: Promise<SharpModule> | undefined;
let configure: ((sharp: SharpModule) => void) | undefined;

export function loadSharp(): Promise<SharpModule> {
  // require(), not import(): it resolves like every other module of the bundle (including NODE_PATH,
  // which ESM resolution ignores), and the native addon loads synchronously once.
  loading ??= Promise.resolve().then(() => {
    let sharp: SharpModule;
    try {
      sharp = require('sharp') as SharpModule;
    } catch (err) {
      throw new DecoderUnavailableError(`cannot load the image decoder (sharp): ${(err as Error).message.split('\n')[0]}`);
    }
    configure?.(sharp);
    return sharp;
  });
  return loading;
}

/** Global libvips settings, applied when sharp loads (or at once if it already has). */
export function configureSharpOnLoad(fn: (sharp: SharpModule) => void): void {
  configure = fn;
  if (loading) void loading.then(fn);
}
