/**
 * `--cuda-libs DIR` (any command): a folder with onnxruntime's CUDA libraries, see
 * core/runtime/cudaLibraries.ts. The dynamic loader reads LD_LIBRARY_PATH once, when a process
 * starts, so the CLI runs itself again with the folder first on it (`classify` runs onnxruntime
 * in this process; `label`'s workers inherit the variable).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CUDA_LIBS_ENV, withCudaLibraryPath } from '../core/runtime/cudaLibraries';
import { UsageError } from './args';

/** argv without `--cuda-libs DIR` / `--cuda-libs=DIR`, and the folder (absolute) if given. */
export function takeCudaLibs(argv: readonly string[]): { argv: string[]; dir?: string } {
  const rest: string[] = [];
  let dir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cuda-libs' || a.startsWith('--cuda-libs=')) {
      const v = a === '--cuda-libs' ? argv[++i] : a.slice('--cuda-libs='.length);
      if (!v) throw new UsageError('--cuda-libs needs a folder');
      dir = path.resolve(v);
    } else rest.push(a);
  }
  return { argv: rest, dir };
}

/** Exit code of this CLI run again with the library path set, or undefined when it already is. */
export function relaunchWithCudaLibs(dir: string, argv: readonly string[]): number | undefined {
  if ((process.env.LD_LIBRARY_PATH ?? '').split(':')[0] === dir || process.platform !== 'linux') {
    process.env[CUDA_LIBS_ENV] = dir;
    return undefined;
  }
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...argv, '--cuda-libs', dir], {
    stdio: 'inherit',
    env: withCudaLibraryPath(process.env, dir),
  });
  return r.status ?? 1;
}
