/**
 * The per-machine cache of onnxruntime's optimised graph (optimizedModelCache.ts): the first CPU
 * session of a model saves it, the next one opens it, a broken cached file is replaced instead of
 * failing the load, and RCNN_LENS_SESSION_CACHE=0 leaves no file.
 */
import { mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundledModelPath } from '../../src/core/bundledModel';
import { LoadedModel } from '../../src/core/runtime/modelSession';
import { optimizedModelSlot } from '../../src/core/runtime/optimizedModelCache';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLED = bundledModelPath(ROOT);

let cacheDir: string;
const saved = { dir: process.env.RCNN_LENS_CACHE_DIR, off: process.env.RCNN_LENS_SESSION_CACHE };
beforeEach(() => {
  cacheDir = mkdtempSync(path.join(tmpdir(), 'rl-sessions-'));
  process.env.RCNN_LENS_CACHE_DIR = cacheDir;
  delete process.env.RCNN_LENS_SESSION_CACHE;
});
afterEach(() => {
  process.env.RCNN_LENS_CACHE_DIR = saved.dir;
  if (saved.off === undefined) delete process.env.RCNN_LENS_SESSION_CACHE;
  else process.env.RCNN_LENS_SESSION_CACHE = saved.off;
});

const graphs = () => {
  try {
    return readdirSync(path.join(cacheDir, 'sessions'));
  } catch {
    return [];
  }
};

async function logitsOf(model: LoadedModel): Promise<Float32Array> {
  const { channels, height, width } = model.info.input;
  const input = new Float32Array(2 * channels * height * width).map((_, i) => Math.sin(i) * 1.5);
  const out = await model.run(input, 2, false);
  return out.logits;
}

describe('optimised graph cache', () => {
  it('saves the graph on the first CPU load and opens it on the next, with the same outputs', async () => {
    const first = await LoadedModel.load(BUNDLED, { provider: 'cpu', intraOpThreads: 1 });
    const a = await logitsOf(first);
    await first.release();
    const files = graphs();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${first.descriptor.hash}-\\d+-[0-9a-f]{16}\\.onnx$`));
    expect(first.descriptor.sessionCache).toBe('saved');

    const second = await LoadedModel.load(BUNDLED, { provider: 'cpu', intraOpThreads: 1 });
    expect(second.descriptor.sessionCache).toBe('hit');
    expect(second.descriptor.hash).toBe(first.descriptor.hash); // records still name the model's own file
    const b = await logitsOf(second);
    await second.release();
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-3);
  });

  it('replaces a cached file that does not load instead of failing', async () => {
    const first = await LoadedModel.load(BUNDLED, { provider: 'cpu', intraOpThreads: 1 });
    await first.release();
    const file = path.join(cacheDir, 'sessions', graphs()[0]);
    writeFileSync(file, 'not an onnx graph');
    const again = await LoadedModel.load(BUNDLED, { provider: 'cpu', intraOpThreads: 1 });
    expect(again.descriptor.sessionCache).toBe('saved');
    await again.release();
    expect(readFileSync(file).length).toBeGreaterThan(1000);
  });

  it('is off with RCNN_LENS_SESSION_CACHE=0 or sessionCache: false', async () => {
    process.env.RCNN_LENS_SESSION_CACHE = '0';
    const off = await LoadedModel.load(BUNDLED, { provider: 'cpu', intraOpThreads: 1 });
    await off.release();
    delete process.env.RCNN_LENS_SESSION_CACHE;
    const optOut = await LoadedModel.load(BUNDLED, { provider: 'cpu', intraOpThreads: 1, sessionCache: false });
    await optOut.release();
    expect(off.descriptor.sessionCache).toBeUndefined();
    expect(graphs()).toEqual([]);
  });

  it('keys the file by model hash, size and machine, and refuses a hash that is not one', () => {
    const slot = optimizedModelSlot({ hash: '0123456789abcdef', bytes: 10 }, '1.0.0', { RCNN_LENS_CACHE_DIR: cacheDir });
    expect(path.basename(slot!.saveTo)).toMatch(/^0123456789abcdef-10-[0-9a-f]{16}\.onnx\.\d+\.\d+\.tmp$/);
    expect(path.dirname(slot!.saveTo)).toBe(path.join(cacheDir, 'sessions'));
    const other = optimizedModelSlot({ hash: '0123456789abcdef', bytes: 10 }, '1.0.1', { RCNN_LENS_CACHE_DIR: cacheDir });
    expect(other!.saveTo.split('.onnx')[0]).not.toBe(slot!.saveTo.split('.onnx')[0]);
    expect(optimizedModelSlot({ hash: '../../etc/passwd', bytes: 10 }, '1.0.0', { RCNN_LENS_CACHE_DIR: cacheDir })).toBeUndefined();
  });

  it('does not try again to save the graph of a model whose save failed', () => {
    const model = { hash: 'abcdefabcdefabcd', bytes: 10 };
    const env = { RCNN_LENS_CACHE_DIR: cacheDir };
    const slot = optimizedModelSlot(model, '1', env)!;
    writeFileSync(slot.saveTo, 'partial');
    slot.discard();
    expect(graphs().filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(optimizedModelSlot(model, '1', env)).toBeUndefined();
    expect(optimizedModelSlot({ ...model, bytes: 11 }, '1', env)).toBeDefined(); // another model is not affected
  });

  it('keeps at most 16 graphs, the most recently used', () => {
    const dir = path.join(cacheDir, 'sessions');
    const slot0 = optimizedModelSlot({ hash: 'ffffffffffffffff', bytes: 10 }, '1', { RCNN_LENS_CACHE_DIR: cacheDir })!;
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 20; i++) {
      const file = path.join(dir, `${i.toString(16).padStart(16, '0')}-10-aaaaaaaaaaaaaaaa.onnx`);
      writeFileSync(file, 'x');
      utimesSync(file, hourAgo, hourAgo);
    }
    writeFileSync(slot0.saveTo, 'graph');
    slot0.keep();
    const kept = readdirSync(dir);
    expect(kept).toHaveLength(16);
    expect(kept.some((f) => f.startsWith('ffffffffffffffff-'))).toBe(true);
  });
});
