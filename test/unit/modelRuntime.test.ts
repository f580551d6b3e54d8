/**
 * The real runtime on real model files: the bundled model through the worker process
 * (as the extension runs it), the fixture models that lack optional outputs or metadata,
 * and files that are not models at all. Needs `npm run build` (dist/worker.js).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelPath } from '../../src/core/bundledModel';
import { classifyFile } from '../../src/core/classify';
import { LoadedModel, ModelLoadError } from '../../src/core/runtime/modelSession';
import { ModelContractError } from '../../src/core/model/contract';
import { InferenceService } from '../../src/core/worker/inferenceService';
import { toResultView } from '../../src/vscode/panel/resultView';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLED = bundledModelPath(ROOT);
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'models');
const WORKER = path.join(ROOT, 'dist', 'worker.js');

let dir: string;
let photo: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rcnn-rt-'));
  photo = path.join(dir, 'photo.jpg');
  await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 40, g: 90, b: 200 } } })
    .jpeg()
    .toFile(photo);
});

describe('bundled model through the worker process', () => {
  const service = new InferenceService(WORKER);
  service.setModel({ modelPath: BUNDLED, provider: 'cpu' });
  afterAll(() => service.dispose());

  it('loads on CPU, validates, and returns every per-timestep output with the right shapes', async () => {
    const { detail, model } = await service.classify(photo, { topK: 3, full: true });
    const { info } = model;
    expect(model.provider).toBe('cpu');
    expect(info.labels).toHaveLength(10);
    expect(info.timesteps).toBeGreaterThanOrEqual(64);
    const L = info.timesteps;
    const K = info.labels.length;
    expect(detail.top).toHaveLength(3);
    expect(detail.top[0].score).toBeGreaterThanOrEqual(detail.top[1].score);
    const sum = Array.from(detail.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 4);
    expect(detail.hidden).toHaveLength(L * info.hiddenWidth!);
    expect(detail.stepLogits).toHaveLength(L * K);
    if (info.head === 'attention') {
      expect(detail.attention).toHaveLength(L);
      expect(Array.from(detail.attention!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    }
    expect(detail.geometry).toMatchObject({ width: 120, height: 80, format: 'jpeg' });

    // The panel payload keeps the per-step outputs as Float32Array (postMessage sends them as
    // binary), each on a buffer of its own: the worker's arrays are views into the IPC message.
    const view = toResultView(detail, model, 'https://file+.vscode-resource/x', 12, undefined);
    for (const values of [view.probabilities, view.hidden, view.stepLogits, view.gates]) {
      expect(values).toBeInstanceOf(Float32Array);
      expect([values!.byteOffset, values!.byteLength]).toEqual([0, values!.buffer.byteLength]);
    }
    // What the webview receives is a structured clone: typed arrays and plain fields intact.
    const copy = structuredClone(view);
    expect(copy.hidden).toBeInstanceOf(Float32Array);
    expect(copy.hidden).toHaveLength(L * info.hiddenWidth!);
    expect(Array.from(copy.hidden!)).toEqual(Array.from(detail.hidden!));
    expect(copy.top[0].label).toBe(detail.top[0].label);
    expect(copy.model.missingViews).toEqual(info.head === 'attention' ? [] : [expect.stringContaining('attention')]);
    // Contract v2 gates travel with their layout, for the gate maps.
    expect(copy.model.gates).toEqual(info.gates);
    expect(copy.gates).toHaveLength(L * info.gates!.width);
  });

  it('reports a corrupt image without losing the worker', async () => {
    const bad = path.join(dir, 'corrupt.jpg');
    writeFileSync(bad, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]));
    const pidBefore = service.workerPid;
    await expect(service.classify(bad, { topK: 3, full: true })).rejects.toMatchObject({ name: 'ImageError' });
    const ok = await service.classify(photo, { topK: 1, full: false });
    expect(ok.detail.top).toHaveLength(1);
    expect(service.workerPid).toBe(pidBefore);
  });

  it('classifies a TIFF and renders a PNG preview the webview can show, oriented like the model input', async () => {
    const tiff = path.join(dir, 'scan.tiff');
    await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 200, b: 20 } } })
      .tiff()
      .toFile(tiff);
    const { detail } = await service.classify(tiff, { topK: 1, full: false });
    expect(detail.geometry).toMatchObject({ width: 300, height: 200, format: 'tiff' });
    const preview = await service.preview(tiff, 150);
    expect([preview.width, preview.height]).toEqual([150, 100]);
    const meta = await sharp(Buffer.from(preview.png)).metadata();
    expect(meta.format).toBe('png');
    await expect(service.preview(path.join(dir, 'nope.tiff'), 100)).rejects.toMatchObject({ name: 'ImageError', code: 'not_found' });
  });

  it('gives the same answer in-process and through the worker', async () => {
    const model = await LoadedModel.load(BUNDLED, { provider: 'cpu' });
    const direct = await classifyFile(model, photo, { topK: 10, full: false });
    const viaWorker = await service.classify(photo, { topK: 10, full: false });
    expect(Array.from(viaWorker.detail.probabilities)).toEqual(Array.from(direct.probabilities));
    await model.release();
  });
});

describe('models that do not follow the contract', () => {
  it('classifies with a model that has only logits, and knows which views it lacks', async () => {
    const model = await LoadedModel.load(path.join(FIXTURES, 'tiny-logits-only.onnx'), { provider: 'cpu' });
    expect(model.info.outputs).toEqual({ hidden: false, stepLogits: false, attention: false });
    const d = await classifyFile(model, photo, { topK: 2 });
    expect(d.top).toHaveLength(2);
    expect(d.hidden).toBeUndefined();
    await model.release();
  });

  it('runs a greyscale LSTM snake-order model', async () => {
    const model = await LoadedModel.load(path.join(FIXTURES, 'tiny-grey-lstm-snake-final.onnx'), { provider: 'cpu' });
    expect(model.info).toMatchObject({ scanOrder: 'snake', head: 'final', input: { channels: 1 } });
    const d = await classifyFile(model, photo, { topK: 1 });
    expect(d.stepLogits).toHaveLength(model.info.timesteps * model.info.labels.length);
    await model.release();
  });

  it('explains that a model without RCNN Lens metadata is not one', async () => {
    const err = await LoadedModel.load(path.join(FIXTURES, 'bad-no-metadata.onnx'), { provider: 'cpu' }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelContractError);
    expect(err.message).toMatch(/no rcnn_lens\.\* metadata/);
  });

  it('says a text file is not an ONNX model, and a missing file is missing', async () => {
    const fake = path.join(dir, 'fake.onnx');
    writeFileSync(fake, 'definitely not protobuf');
    await expect(LoadedModel.load(fake)).rejects.toThrow(ModelLoadError);
    await expect(LoadedModel.load(fake)).rejects.toThrow(/is not an ONNX model/);
    await expect(LoadedModel.load(path.join(dir, 'missing.onnx'))).rejects.toThrow(/model file not found/);
  });

  it('falls back to CPU, with the reason recorded, when the CUDA provider cannot start', async () => {
    const model = await LoadedModel.load(BUNDLED, { provider: 'cuda' });
    const { provider, attempts } = model.descriptor;
    // On a machine where CUDA works, it is simply used; everywhere else the fallback is explained.
    if (provider === 'cuda') expect(attempts).toEqual([]);
    else {
      expect(provider).toBe('cpu');
      expect(attempts).toHaveLength(1);
      expect(attempts[0].provider).toBe('cuda');
      expect(attempts[0].error.length).toBeGreaterThan(0);
    }
    await model.release();
  });
});
