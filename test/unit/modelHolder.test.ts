import { describe, expect, it } from 'vitest';
import { ModelHolder, ModelMismatchError } from '../../src/core/worker/modelHolder';

function fakeModel(path: string, events: string[]) {
  return {
    descriptor: { path, hash: `h:${path}` },
    release: async () => {
      events.push(`released ${path}`);
    },
  };
}
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ModelHolder', () => {
  it('runs overlapping loads in the order asked, so the last asked for is the one loaded', async () => {
    const events: string[] = [];
    const holder = new ModelHolder<ReturnType<typeof fakeModel>>();
    // The first load is slow, the second fast: unserialised, the first would finish last and win.
    const slow = holder.load(async () => {
      events.push('start slow');
      await delay(60);
      return fakeModel('/m/slow.onnx', events);
    });
    const fast = holder.load(async () => {
      events.push('start fast');
      await delay(1);
      return fakeModel('/m/fast.onnx', events);
    });
    expect((await slow).path).toBe('/m/slow.onnx');
    expect((await fast).path).toBe('/m/fast.onnx');
    expect(events).toEqual(['start slow', 'start fast', 'released /m/slow.onnx']);
    const used = await holder.use({ path: '/m/fast.onnx', hash: 'h:/m/fast.onnx' }, async (m) => m.descriptor.path);
    expect(used).toBe('/m/fast.onnx');
  });

  it('a classification waits for a load in progress and is refused by another model', async () => {
    const events: string[] = [];
    const holder = new ModelHolder<ReturnType<typeof fakeModel>>();
    await expect(holder.use(undefined, async () => 0)).rejects.toThrow('no model is loaded in the worker');
    void holder.load(async () => {
      await delay(20);
      return fakeModel('/m/a.onnx', events);
    });
    expect(await holder.use({ path: '/m/a.onnx', hash: 'h:/m/a.onnx' }, async (m) => m.descriptor.hash)).toBe('h:/m/a.onnx');
    const err = await holder.use({ path: '/m/b.onnx', hash: 'h:/m/b.onnx' }, async () => 0).catch((e) => e);
    expect(err).toBeInstanceOf(ModelMismatchError);
    expect(err.message).toContain('/m/a.onnx');
  });

  it('a failed load does not block the loads after it', async () => {
    const holder = new ModelHolder<ReturnType<typeof fakeModel>>();
    await expect(holder.load(async () => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
    expect((await holder.load(async () => fakeModel('/m/ok.onnx', []))).path).toBe('/m/ok.onnx');
  });
});
