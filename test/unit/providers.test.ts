import { describe, expect, it } from 'vitest';
import { createWithFallback, describeFallback, providerCandidates } from '../../src/core/runtime/providers';

describe('providerCandidates', () => {
  it('tries the platform GPU providers in order, then CPU, for auto', () => {
    expect(providerCandidates('auto', 'win32')).toEqual(['dml', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', 'darwin')).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', 'linux')).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', 'freebsd')).toEqual(['cpu']);
  });
  it('honours an explicit choice with a CPU fallback', () => {
    expect(providerCandidates('cpu', 'linux')).toEqual(['cpu']);
    expect(providerCandidates('webgpu', 'linux')).toEqual(['webgpu', 'cpu']);
  });
});

describe('createWithFallback', () => {
  it('falls back past failing providers and records why', async () => {
    const tried: string[] = [];
    const outcome = await createWithFallback(['cuda', 'webgpu', 'cpu'], async (p) => {
      tried.push(p);
      if (p !== 'cpu') throw new Error(`${p} not available`);
      return 42;
    });
    expect(tried).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(outcome.provider).toBe('cpu');
    expect(outcome.value).toBe(42);
    expect(outcome.attempts).toEqual([
      { provider: 'cuda', error: 'cuda not available' },
      { provider: 'webgpu', error: 'webgpu not available' },
    ]);
    expect(describeFallback(outcome.attempts, outcome.provider)).toBe('cuda, webgpu unavailable; using cpu');
  });
  it('stops at the first provider that works', async () => {
    const outcome = await createWithFallback(['webgpu', 'cpu'], async (p) => p);
    expect(outcome.provider).toBe('webgpu');
    expect(describeFallback(outcome.attempts, outcome.provider)).toBeUndefined();
  });
  it('stops at once on a fatal error (a broken model fails everywhere)', async () => {
    const tried: string[] = [];
    const fatal = new Error('contract');
    await expect(
      createWithFallback(
        ['cuda', 'webgpu', 'cpu'],
        async (p) => {
          tried.push(p);
          throw p === 'cuda' ? new Error('no cuda') : fatal;
        },
        (e) => e === fatal,
      ),
    ).rejects.toBe(fatal);
    expect(tried).toEqual(['cuda', 'webgpu']);
  });
  it('reports every failure when none works', async () => {
    await expect(
      createWithFallback(['cuda', 'cpu'], async (p) => {
        throw new Error(`${p} broken`);
      }),
    ).rejects.toThrow('no execution provider could load the model (cuda: cuda broken; cpu: cpu broken)');
  });
});
