import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { withMallocHugePages, workerProcessEnv } from '../../src/core/runtime/workerProcessEnv';

describe('worker process environment', () => {
  it("adds malloc's huge pages to GLIBC_TUNABLES and keeps the user's other tunables", () => {
    expect(withMallocHugePages(undefined)).toBe('glibc.malloc.hugetlb=1');
    expect(withMallocHugePages('')).toBe('glibc.malloc.hugetlb=1');
    expect(withMallocHugePages('glibc.malloc.arena_max=2')).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
  });

  it("leaves a user's own choice for huge pages alone", () => {
    expect(withMallocHugePages('glibc.malloc.hugetlb=0')).toBe('glibc.malloc.hugetlb=0');
    expect(withMallocHugePages('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2')).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2');
  });

  it('only sets it on Linux, and explicit worker variables still win', () => {
    expect(workerProcessEnv({ A: '1' }, undefined, 'darwin')).toEqual({ A: '1' });
    expect(workerProcessEnv({ A: '1' }, undefined, 'linux')).toEqual({ A: '1', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
    expect(workerProcessEnv({ A: '1' }, { A: '2', GLIBC_TUNABLES: 'x=1' }, 'linux')).toEqual({ A: '2', GLIBC_TUNABLES: 'x=1' });
  });

  it.runIf(process.platform === 'linux')('is accepted by a real child process, which starts and runs normally', () => {
    const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.env.GLIBC_TUNABLES) + " " + Buffer.alloc(8 << 20, 1).reduce((a, b) => a + b, 0))'], {
      env: workerProcessEnv(process.env, undefined),
      encoding: 'utf8',
    });
    expect(out).toMatch(/glibc\.malloc\.hugetlb=1 8388608$/);
  });
});
