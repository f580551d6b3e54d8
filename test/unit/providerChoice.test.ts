import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterFingerprint } from '../../src/core/runtime/adapterFingerprint';
import { chooseByMeasurement, type Measurable } from '../../src/core/runtime/providerChoice';
import { ProviderChoiceCache } from '../../src/core/runtime/providerChoiceCache';
import { describeFallback, type ProviderName } from '../../src/core/runtime/providers';

/** A fake session whose ms per image is a function of the batch; records what was timed and released. */
class Fake implements Measurable {
  timed: number[] = [];
  released = false;
  constructor(readonly name: ProviderName, private readonly msAt: (batch: number) => number) {}
  async msPerImage(batch: number): Promise<number> {
    this.timed.push(batch);
    return this.msAt(batch);
  }
  async release(): Promise<void> {
    this.released = true;
  }
}

function factory(speeds: Partial<Record<ProviderName, ((b: number) => number) | Error>>) {
  const made = new Map<ProviderName, Fake>();
  const create = async (p: ProviderName) => {
    const s = speeds[p];
    if (!s) throw new Error(`${p} not available`);
    if (s instanceof Error) throw s;
    const f = new Fake(p, s);
    made.set(p, f);
    return f;
  };
  return { create, made };
}

const never = () => false;
const tmpCache = () => new ProviderChoiceCache(mkdtempSync(join(tmpdir(), 'rl-choice-')));

describe('chooseByMeasurement', () => {
  it('keeps the CPU when the GPU that loads is slower, and says by how much', async () => {
    const { create, made } = factory({ cpu: () => 5, webgpu: () => 275 });
    const out = await chooseByMeasurement(['cuda', 'webgpu'], create, never, { batchFor: () => 1, adapterNote: 'software' });
    expect(out.provider).toBe('cpu');
    expect(out.reason).toBe('webgpu 55× slower than cpu on this adapter (software): using cpu');
    expect(out.attempts.map((a) => a.provider)).toEqual(['cuda']);
    expect(made.get('webgpu')!.released).toBe(true);
    expect(made.get('cpu')!.released).toBe(false);
    expect(describeFallback(out.attempts, out.provider, out.reason)).toBe(
      'cuda unavailable; webgpu 55× slower than cpu on this adapter (software): using cpu',
    );
  });

  it('uses a faster GPU at its own batch and releases the CPU session', async () => {
    const { create, made } = factory({ cpu: (b) => (b === 1 ? 5 : 1.5), webgpu: (b) => (b === 1 ? 6 : 0.1) });
    const out = await chooseByMeasurement(['webgpu'], create, never, { batchFor: (p) => (p === 'cpu' ? 16 : 256) });
    expect(out.provider).toBe('webgpu');
    expect(out.reason).toBe('webgpu 15× faster than cpu: using webgpu');
    expect(made.get('webgpu')!.timed).toEqual([1, 256]);
    expect(made.get('cpu')!.timed.sort()).toEqual([1, 16]);
    expect(made.get('cpu')!.released).toBe(true);
  });

  it('does not time a GPU at its big batch when it is hopeless on one image', async () => {
    const { create, made } = factory({ cpu: () => 5, webgpu: (b) => (b === 1 ? 1000 : 0.01) });
    const out = await chooseByMeasurement(['webgpu'], create, never, { batchFor: (p) => (p === 'cpu' ? 16 : 256) });
    expect(out.provider).toBe('cpu');
    expect(made.get('webgpu')!.timed).toEqual([1]);
  });

  it('times nothing when no GPU provider loads', async () => {
    const { create, made } = factory({ cpu: () => 5 });
    const out = await chooseByMeasurement(['cuda', 'webgpu'], create, never, { batchFor: () => 1 });
    expect(out.provider).toBe('cpu');
    expect(out.reason).toBeUndefined();
    expect(made.get('cpu')!.timed).toEqual([]);
  });

  it('remembers the choice and does not measure again', async () => {
    const cache = tmpCache();
    const first = factory({ cpu: () => 5, webgpu: () => 100 });
    await chooseByMeasurement(['webgpu'], first.create, never, { batchFor: () => 1, cache, cacheKey: 'k' });
    const second = factory({ cpu: () => 5, webgpu: () => 100 });
    const out = await chooseByMeasurement(['webgpu'], second.create, never, { batchFor: () => 1, cache, cacheKey: 'k' });
    expect(out.provider).toBe('cpu');
    expect(out.reason).toBe('webgpu 20× slower than cpu: using cpu');
    expect(second.made.has('webgpu')).toBe(false);
    expect(second.made.get('cpu')!.timed).toEqual([]);
    // another key (another model, adapter or ORT version) measures again
    const third = factory({ cpu: () => 5, webgpu: () => 1 });
    expect((await chooseByMeasurement(['webgpu'], third.create, never, { batchFor: () => 1, cache, cacheKey: 'k2' })).provider).toBe('webgpu');
  });

  it('falls back to the CPU when a cached GPU no longer loads', async () => {
    const cache = tmpCache();
    cache.set('k', { provider: 'webgpu', reason: 'webgpu 3.0× faster than cpu: using webgpu', measuredAt: 'x' });
    const { create } = factory({ cpu: () => 5 });
    const out = await chooseByMeasurement(['webgpu'], create, never, { batchFor: () => 1, cache, cacheKey: 'k' });
    expect(out.provider).toBe('cpu');
    expect(out.attempts[0].provider).toBe('webgpu');
  });

  it('lets a fatal error (a broken model) through', async () => {
    const fatal = new Error('contract');
    const { create } = factory({ cpu: fatal });
    await expect(chooseByMeasurement(['webgpu'], create, (e) => e === fatal, { batchFor: () => 1 })).rejects.toBe(fatal);
  });
});

describe('ProviderChoiceCache', () => {
  it('treats a damaged or hostile file as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-choice-'));
    writeFileSync(join(dir, 'provider-choice.json'), '{"k": {"provider": "rm -rf", "reason": 1}, "j": ');
    expect(new ProviderChoiceCache(dir).get('k')).toBeUndefined();
    writeFileSync(join(dir, 'provider-choice.json'), '{"k": {"provider": "evil", "reason": "x"}}');
    expect(new ProviderChoiceCache(dir).get('k')).toBeUndefined();
    writeFileSync(join(dir, 'provider-choice.json'), '[1,2]');
    expect(new ProviderChoiceCache(dir).get('0')).toBeUndefined();
  });
});

describe('adapterFingerprint', () => {
  it('calls SwiftShader or lavapipe alone a software adapter', () => {
    const sw = adapterFingerprint({ VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' }, 'linux');
    expect(sw.software).toBe(true);
    const lvp = adapterFingerprint({ VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json' }, 'linux');
    expect(lvp.software).toBe(true);
    const nv = adapterFingerprint({ VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/nvidia_icd.json' }, 'linux');
    expect(nv.software).toBe(false);
    expect(new Set([sw.id, lvp.id, nv.id]).size).toBe(3);
  });
});
