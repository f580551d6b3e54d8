/**
 * The environment of a worker process that runs onnxruntime (and sharp): the parent's, plus
 * glibc's malloc asked to back its large blocks with transparent huge pages (2 MiB) where the
 * kernel lends them on request (THP "madvise" mode, a common default).
 *
 * Why: creating an onnxruntime session copies the model's weights several times into fresh
 * memory, and on a VM every first touch of a 4 KiB page is a costly fault. Measured on the 2-core
 * development VM for the 9.4 MB bundled model: one worker's start 0.43–0.45 s → 0.27–0.29 s of CPU,
 * 15,500 → 5,500 page faults, the session itself 240–250 → 91–97 ms (scripts in the README's
 * "Performance"). glibc before 2.35 ignores the tunable, as do other C libraries and systems.
 */
import { CUDA_LIBS_ENV, withCudaLibraryPath } from './cudaLibraries';

const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

/** GLIBC_TUNABLES with malloc's huge pages added, unless the user already chose a value for them. */
export function withMallocHugePages(current: string | undefined): string {
  if (current && /(^|:)glibc\.malloc\.hugetlb=/.test(current)) return current;
  return current ? `${current}:${HUGE_PAGES}` : HUGE_PAGES;
}

export function workerProcessEnv(
  base: NodeJS.ProcessEnv,
  extra: NodeJS.ProcessEnv | undefined,
  platform: NodeJS.Platform = process.platform,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  if (platform === 'linux') env.GLIBC_TUNABLES = withMallocHugePages(base.GLIBC_TUNABLES);
  const merged = { ...env, ...extra };
  // The CUDA library folder goes first on the loader's path: it must be set before the process starts.
  return platform === 'linux' ? withCudaLibraryPath(merged, merged[CUDA_LIBS_ENV]) : merged;
}
