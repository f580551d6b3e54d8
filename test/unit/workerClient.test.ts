import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceService } from '../../src/core/worker/inferenceService';
import { WorkerClient, WorkerCrashError } from '../../src/core/worker/workerClient';
import { WorkerError } from '../../src/core/worker/workerProtocol';

const FAKE = path.join(__dirname, 'fixtures', 'fakeWorker.cjs');
const disposables: Array<{ dispose(): void }> = [];
afterEach(() => disposables.splice(0).forEach((d) => d.dispose()));

describe('WorkerClient', () => {
  it('starts lazily, matches replies to requests and passes typed arrays intact', async () => {
    const client = new WorkerClient(FAKE);
    disposables.push(client);
    expect(client.pid).toBeUndefined();
    const [a, b] = await Promise.all([
      client.request({ type: 'classify', path: 'a.png', topK: 1, full: false }),
      client.request({ type: 'classify', path: 'b.png', topK: 1, full: false }),
    ]);
    expect((a as unknown as { path: string }).path).toBe('a.png');
    expect((b as unknown as { path: string }).path).toBe('b.png');
    const data = (a as unknown as { data: Float32Array }).data;
    expect(data).toBeInstanceOf(Float32Array);
    expect(Array.from(data)).toEqual([1.5, 2.5]);
  });

  it('rebuilds worker errors with their name and code', async () => {
    const client = new WorkerClient(FAKE);
    disposables.push(client);
    const err = await client.request({ type: 'classify', path: 'bad.jpg', topK: 1, full: false }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toMatchObject({ name: 'ImageError', code: 'corrupt', filePath: 'bad.jpg' });
  });

  it('turns a crash into an error naming the file, then restarts on the next request', async () => {
    const lines: string[] = [];
    const client = new WorkerClient(FAKE, { log: (l) => lines.push(l) });
    disposables.push(client);
    const first = (await client.request({ type: 'ping' })).pid;
    const err = await client.request({ type: 'classify', path: '/x/crash.jpg', topK: 1, full: false }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerCrashError);
    expect(err.message).toContain('signal SIGKILL');
    expect(err.message).toContain('/x/crash.jpg');
    const second = (await client.request({ type: 'ping' })).pid;
    expect(second).not.toBe(first);
    expect(client.generation).toBe(2);
    expect(lines.some((l) => l.includes('stopped (signal SIGKILL)'))).toBe(true);
  });

  it('kills a worker that does not answer in time, blaming the request only when it was alone', async () => {
    const client = new WorkerClient(FAKE);
    disposables.push(client);
    const alone = await client.request({ type: 'classify', path: '/x/hang.jpg', topK: 1, full: false }, 300).catch((e) => e);
    expect(alone).toBeInstanceOf(WorkerCrashError);
    expect(alone.message).toBe('the worker process stopped (it did not answer within 300 ms) while decoding or classifying /x/hang.jpg');
    const [hung, bystander] = await Promise.all([
      client.request({ type: 'classify', path: '/x/hang.jpg', topK: 1, full: false }, 300).catch((e) => e),
      client.request({ type: 'classify', path: '/x/hang-too.jpg', topK: 1, full: false }, 5000).catch((e) => e),
    ]);
    expect(hung.message).toContain('while 2 requests were in progress, /x/hang.jpg among them');
    expect(bystander.message).toContain('/x/hang-too.jpg among them');
    expect((await client.request({ type: 'ping' })).pid).toBeGreaterThan(0);
  });
});

describe('WorkerClient with a replaced process', () => {
  it('a replaced process that exits late fails none of the requests sent to its successor', async () => {
    const client = new WorkerClient(FAKE);
    disposables.push(client);
    const first = (await client.request({ type: 'classify', path: '/x/linger.png', topK: 1, full: false })) as unknown as { pid: number };
    // The channel is gone within a few ms (the next request then starts a new process); the old
    // process exits ~300 ms after, while the new one is still working on the slow request.
    await new Promise((r) => setTimeout(r, 100));
    const slow = (await client.request({ type: 'classify', path: '/x/slow.png', topK: 1, full: false })) as unknown as { pid: number };
    expect(slow.pid).not.toBe(first.pid);
  });
});

describe('InferenceService', () => {
  it('loads the model once, and again after a worker crash', async () => {
    const service = new InferenceService(FAKE);
    disposables.push(service);
    service.setModel({ modelPath: '/m/model.onnx', provider: 'cpu' });
    const a = (await service.ensureModel()) as unknown as { pid: number };
    const b = (await service.ensureModel()) as unknown as { pid: number };
    expect(b).toBe(a);
    await expect(service.classify('/x/crash.png', { topK: 1, full: false })).rejects.toBeInstanceOf(WorkerCrashError);
    const c = (await service.ensureModel()) as unknown as { pid: number };
    expect(c.pid).not.toBe(a.pid);
  });

  it('reloads when the chosen model changes', async () => {
    const service = new InferenceService(FAKE);
    disposables.push(service);
    service.setModel({ modelPath: '/m/one.onnx', provider: 'cpu' });
    const one = (await service.ensureModel()) as unknown as { path: string };
    service.setModel({ modelPath: '/m/two.onnx', provider: 'cpu' });
    const two = (await service.ensureModel()) as unknown as { path: string };
    expect([one.path, two.path]).toEqual(['/m/one.onnx', '/m/two.onnx']);
  });

  it('reloads and retries once when the worker holds another model than the one asked for', async () => {
    const service = new InferenceService(FAKE);
    disposables.push(service);
    service.setModel({ modelPath: '/m/one.onnx', provider: 'cpu' });
    await service.ensureModel();
    // Another load reaches the worker behind the service's back.
    const client = (service as unknown as { client: WorkerClient }).client;
    await client.request({ type: 'load', modelPath: '/m/two.onnx', provider: 'cpu' });
    const { detail, model } = await service.classify('/x/a.png', { topK: 1, full: false });
    expect(detail.path).toBe('/x/a.png');
    expect(model.path).toBe('/m/one.onnx');
    expect('model' in detail).toBe(false);
  });

  it('refuses a reply made by another model than the one asked for', async () => {
    const service = new InferenceService(FAKE);
    disposables.push(service);
    service.setModel({ modelPath: '/m/one.onnx', provider: 'cpu' });
    const err = await service.classify('/x/liar.png', { topK: 1, full: false }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('the worker answered with /m/other.onnx');
  });

  it('reloads a model re-exported in place at the same path (size or mtime changed)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reexport-'));
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, 'first');
    try {
      const service = new InferenceService(FAKE);
      disposables.push(service);
      service.setModel({ modelPath: file, provider: 'cpu' });
      const a = await service.ensureModel();
      expect(await service.ensureModel()).toBe(a);
      fs.writeFileSync(file, 'second export');
      const b = await service.ensureModel();
      expect(b).not.toBe(a);
      fs.utimesSync(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
      const c = await service.ensureModel();
      expect(c).not.toBe(b);
      expect(await service.ensureModel()).toBe(c);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
