/**
 * CUDA where the user has it. onnxruntime-node's npm package cannot carry the CUDA provider
 * (hundreds of MB, a download at install time that a .vsix and an offline machine do not get),
 * so the user names a folder holding onnxruntime's CUDA provider libraries for the ORT version
 * in use (rcnnLens.cuda.libraryPath, or --cuda-libs). The worker processes start with that
 * folder first on the library path.
 *
 * onnxruntime loads libonnxruntime_providers_cuda.so from the folder of the libonnxruntime it
 * runs, so the folder must also hold that onnxruntime library (same version): with the folder
 * first on LD_LIBRARY_PATH, the loader then takes onnxruntime from there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { readNeededLibrariesOfFile } from './elfNeeded';

export const CUDA_LIBS_ENV = 'RCNN_LENS_CUDA_LIBS';

export interface CudaProblem {
  code: 'cuda_folder_missing' | 'cuda_provider_missing' | 'cuda_ort_version' | 'cuda_library_missing' | 'cuda_platform';
  message: string;
  details?: Record<string, unknown>;
}

const PROVIDER_LIBS = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
const MAX_LIB_BYTES = 512 << 20;

/** What to install for a missing library, by its name. */
export function installHint(lib: string): string {
  const major = lib.match(/\.so\.(\d+)/)?.[1];
  const cuda = (what: string) => `${what}${major ? ` (major version ${major})` : ''}: NVIDIA's CUDA toolkit or its runtime packages for that CUDA version`;
  if (/^libcudart/.test(lib)) return cuda('the CUDA runtime');
  if (/^libcublas/.test(lib)) return cuda('cuBLAS');
  if (/^libcufft/.test(lib)) return cuda('cuFFT');
  if (/^libcurand/.test(lib)) return cuda('cuRAND');
  if (/^libcudnn/.test(lib)) return `cuDNN ${major ?? ''}`.trim() + ' for your CUDA version (NVIDIA cuDNN packages)';
  if (/^libcuda\.so/.test(lib)) return 'the NVIDIA driver';
  if (/^libnvinfer/.test(lib)) return 'TensorRT';
  return 'the package that provides it';
}

function libraryDirs(env: NodeJS.ProcessEnv): string[] {
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return [...fromEnv, '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu',
    '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/cuda/lib64'];
}

/** Library names the dynamic loader's cache knows (`ldconfig -p`), empty when it cannot be asked. */
function loaderCache(): Set<string> {
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 5000, env: { PATH: '/sbin:/usr/sbin:/bin:/usr/bin' } });
  const names = new Set<string>();
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = line.match(/^\s*(\S+)\s+\(/);
    if (m) names.add(m[1]);
  }
  return names;
}

export interface CudaCheckOptions {
  ortVersion: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Library names the loader finds by itself (default: `ldconfig -p`). */
  knownToLoader?: Set<string>;
}

/** Everything wrong with `dir` as a CUDA library folder, each with what to do; empty when it looks usable. */
export function checkCudaLibraryFolder(dir: string, options: CudaCheckOptions): CudaProblem[] {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') {
    return [{ code: 'cuda_platform', message: `a CUDA library folder is used on Linux only (this is ${platform}); on Windows use the dml provider` }];
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return [{ code: 'cuda_folder_missing', message: `the CUDA library folder ${dir} does not exist or is not a folder` }];
  }
  const problems: CudaProblem[] = [];
  for (const lib of PROVIDER_LIBS) {
    if (!existsSync(path.join(dir, lib))) {
      problems.push({
        code: 'cuda_provider_missing',
        message: `${dir} has no ${lib}: it must hold onnxruntime ${options.ortVersion}'s CUDA provider libraries (runtimes/linux-x64/native of the Microsoft.ML.OnnxRuntime.Gpu.Linux ${options.ortVersion} package)`,
        details: { library: lib },
      });
    }
  }
  const ortLib = path.join(dir, 'libonnxruntime.so.1');
  if (!existsSync(ortLib)) {
    problems.push({
      code: 'cuda_ort_version',
      message: `${dir} has no libonnxruntime.so.1: onnxruntime looks for its CUDA provider beside the onnxruntime library it runs, so put onnxruntime ${options.ortVersion}'s libonnxruntime.so (named libonnxruntime.so.1) in the folder too`,
    });
  } else if (!fileContains(ortLib, `VERS_${options.ortVersion}`)) {
    problems.push({
      code: 'cuda_ort_version',
      message: `${ortLib} is not onnxruntime ${options.ortVersion}, the version RCNN Lens runs: use the CUDA libraries of onnxruntime ${options.ortVersion}`,
    });
  }
  if (problems.length) return problems;
  return missingDependencies(dir, options);
}

function fileContains(file: string, text: string): boolean {
  try {
    if (statSync(file).size > MAX_LIB_BYTES) return false;
    return readFileSync(file).includes(text);
  } catch {
    return false;
  }
}

/** The provider's own needs (libcudart, libcublas, libcudnn, …) that neither the folder nor the loader can find. */
function missingDependencies(dir: string, options: CudaCheckOptions): CudaProblem[] {
  const env = options.env ?? process.env;
  const known = options.knownToLoader ?? loaderCache();
  const dirs = [dir, ...libraryDirs(env)];
  const inFolder = new Set(readdirSync(dir));
  const provider = path.join(dir, 'libonnxruntime_providers_cuda.so');
  let needed: string[] | undefined;
  try {
    needed = readNeededLibrariesOfFile(provider);
  } catch {
    needed = undefined;
  }
  if (!needed) return [];
  return needed
    .filter((lib) => !inFolder.has(lib) && !known.has(lib) && !dirs.some((d) => existsSync(path.join(d, lib))))
    .map((lib) => ({
      code: 'cuda_library_missing' as const,
      message: `${lib} is missing (needed by onnxruntime's CUDA provider): install ${installHint(lib)}, or put it in ${dir}`,
      details: { library: lib },
    }));
}

/** A plain message for onnxruntime's CUDA load failure, naming the missing library when the error does. */
export function explainCudaLoadError(raw: string): string | undefined {
  const lib = raw.match(/(lib[\w.+-]+\.so(?:\.\d+)*): cannot open shared object file/)?.[1];
  if (lib) return `CUDA could not start: ${lib} is missing. Install ${installHint(lib)}, or set rcnnLens.cuda.libraryPath (--cuda-libs) to a folder that has it.`;
  if (/libonnxruntime_providers_(cuda|shared)\.so/.test(raw)) {
    return 'CUDA could not start: onnxruntime\'s CUDA provider libraries were not found. Set rcnnLens.cuda.libraryPath (--cuda-libs) to a folder with them (see the README, "CUDA").';
  }
  if (/CUDA driver version is insufficient|cudaErrorInsufficientDriver/.test(raw)) {
    return 'CUDA could not start: the NVIDIA driver is older than the CUDA runtime in the library folder. Update the driver.';
  }
  return undefined;
}

/** The worker's library path with the CUDA folder first (Linux). */
export function withCudaLibraryPath(env: NodeJS.ProcessEnv, dir: string | undefined): NodeJS.ProcessEnv {
  if (!dir) return env;
  const rest = (env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d && d !== dir);
  return { ...env, LD_LIBRARY_PATH: [dir, ...rest].join(':'), [CUDA_LIBS_ENV]: dir };
}

/**
 * Opens a CUDA session with the folder checked first and onnxruntime's failure explained: the
 * error names the missing library and what to install instead of "cannot open shared object file".
 */
export async function openCudaSession<T>(open: () => Promise<T>, ortVersion: string, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const dir = env[CUDA_LIBS_ENV];
  if (dir) {
    const problems = checkCudaLibraryFolder(dir, { ortVersion, env });
    if (problems.length) throw new Error(problems.map((p) => p.message).join('; '));
  }
  try {
    return await open();
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const plain = explainCudaLoadError(raw);
    throw plain ? new Error(`${plain} (onnxruntime: ${raw.split('\n')[0].slice(0, 300)})`) : err;
  }
}
