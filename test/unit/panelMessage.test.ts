/**
 * The classify panel's result message, end to end without VS Code: the real ClassifyPanel
 * posts to a fake webview, and the webview's own modules read what arrives. The per-step
 * outputs must travel as Float32Array (VS Code sends typed arrays as binary; number[]
 * costs a conversion here and JSON text there), while Copy JSON and setState stay plain.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it, vi } from 'vitest';
import type { ClassifyDetail } from '../../src/core/classify';
import type { ModelInfo } from '../../src/core/model/contract';
import type { ModelDescriptor } from '../../src/core/runtime/modelSession';
import type { ClassifyResultView, HostToPanel, PanelToHost } from '../../src/shared/protocol';
import type { ClassifierBackend } from '../../src/vscode/panel/classifierBackend';
import { ClassifyPanel } from '../../src/vscode/panel/classifyPanel';
import type { ExtensionServices } from '../../src/vscode/services';
import { predictionsJson } from '../../webview/panel/predictionsJson';
import { ResultModel } from '../../webview/panel/resultModel';
import { defaultUiState, persistedState, readPersistedState, restoreUiState } from '../../webview/panel/uiState';
import { tmpDir } from '../fixtures/hostile/helpers';

// Just enough of the vscode module for ClassifyPanel: URIs, settings at their defaults, an emitter.
vi.mock('vscode', async () => ({
  ...(await import('../fixtures/vscodeFake')).vscodeBasics(),
  workspace: { getConfiguration: () => ({ get: <T>(_key: string, fallback: T) => fallback }) },
  commands: { executeCommand: () => undefined },
  env: { clipboard: { writeText: async () => undefined } },
  window: {},
}));

// A 4×4 grid, bidirectional (D = 6), three classes, attention head.
const ROWS = 4;
const COLS = 4;
const L = ROWS * COLS;
const D = 6;
const LABELS = ['cat', 'dog', 'fox'];
const K = LABELS.length;

const info: ModelInfo = {
  name: 'tiny-test',
  labels: LABELS,
  grid: [ROWS, COLS],
  timesteps: L,
  scanOrder: 'snake',
  input: { name: 'image', channels: 3, height: 32, width: 32, color: 'rgb' },
  preprocess: { resize: 'center_crop', mean: [0, 0, 0], std: [1, 1, 1] },
  rnn: { type: 'gru', hiddenSize: D / 2, layers: 1, bidirectional: true },
  head: 'attention',
  hiddenWidth: D,
  outputs: { hidden: true, stepLogits: true, attention: true },
  stepMask: false,
  gates: null,
  card: {},
  precision: 'fp32',
};
const descriptor: ModelDescriptor = { path: '/models/tiny.onnx', hash: '0123456789abcdef', info, provider: 'cpu', attempts: [], loadMs: 5 };

const wave = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const attentionWeights = wave(L, (t) => Math.exp(Math.sin(t)));
const attentionSum = attentionWeights.reduce((a, b) => a + b, 0);

/**
 * A classification as the host receives it from the worker: child-process IPC with
 * 'advanced' serialization is V8 serialization, whose typed arrays come back as views
 * into the message's buffer (or a shared pool slab), not arrays with buffers of their own.
 */
function detailFromWorker(): ClassifyDetail {
  const detail: ClassifyDetail = {
    path: '/images/cat.png',
    top: [
      { index: 0, label: 'cat', score: 0.7 },
      { index: 2, label: 'fox', score: 0.2 },
    ],
    probabilities: Float32Array.from([0.7, 0.1, 0.2]),
    hidden: wave(L * D, (i) => Math.tanh(Math.sin(i * 0.37) * 2)),
    stepLogits: wave(L * K, (i) => Math.cos(i * 0.21) * 3),
    attention: attentionWeights.map((v) => v / attentionSum),
    geometry: { width: 64, height: 48, crop: { left: 8, top: 0, width: 48, height: 48 }, format: 'png' },
    timing: { decodeMs: 1, runMs: 1, totalMs: 2.5 },
  };
  return deserialize(serialize(detail)) as ClassifyDetail;
}

const spansWholeBuffer = (a: Float32Array) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;

/** Opens a panel on a fake webview, lets it classify once, and returns what it posted. */
async function postedResult(detail: ClassifyDetail, imagePath = detail.path): Promise<Extract<HostToPanel, { type: 'result' }>> {
  const posted: HostToPanel[] = [];
  let receive: (message: PanelToHost) => void = () => undefined;
  const webview = {
    options: {},
    html: '',
    cspSource: 'https://webview.test',
    asWebviewUri: (u: { fsPath: string }) => {
      const at = (query: string) => ({
        toString: () => `https://file+.vscode-resource.test${u.fsPath}${query ? `?${query}` : ''}`,
        with: (change: { query: string }) => at(change.query),
      });
      return at('');
    },
    postMessage: async (message: HostToPanel) => {
      posted.push(message);
      return true;
    },
    onDidReceiveMessage: (listener: (message: PanelToHost) => void) => {
      receive = listener;
      return { dispose: () => undefined };
    },
  };
  const panel = { webview, title: '', iconPath: undefined, onDidDispose: () => ({ dispose: () => undefined }), reveal: () => undefined, dispose: () => undefined };
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const services = { extensionUri: { fsPath: '/ext' }, output: log } as unknown as ExtensionServices;
  const backend = {
    classify: async () => ({ detail, model: descriptor }),
    previewDataUrl: async () => undefined,
    reportError: () => undefined,
  } as unknown as ClassifierBackend;
  const classifyPanel = new ClassifyPanel(panel as never, services, backend, { fsPath: imagePath } as never);
  receive({ type: 'ready' });
  expect(await classifyPanel.classify()).toBe(true);
  const result = posted.find((m): m is Extract<HostToPanel, { type: 'result' }> => m.type === 'result');
  expect(result, 'a result message was posted').toBeDefined();
  return result!;
}

/** The same result in the old shape (number[]), to check the webview reads both alike. */
function withPlainArrays(result: ClassifyResultView): ClassifyResultView {
  const plain = (a: Float32Array | undefined) => (a ? Array.from(a) : undefined);
  return {
    ...result,
    probabilities: plain(result.probabilities),
    hidden: plain(result.hidden),
    stepLogits: plain(result.stepLogits),
    attention: plain(result.attention),
  } as unknown as ClassifyResultView;
}

describe('classify panel result message', () => {
  it('posts the per-step outputs as Float32Array, each on a buffer of its own', async () => {
    const detail = detailFromWorker();
    // The premise: arrays from the worker are views into a larger buffer.
    expect([detail.probabilities, detail.hidden!, detail.stepLogits!, detail.attention!].some((a) => !spansWholeBuffer(a))).toBe(true);

    const { result } = await postedResult(detail);
    const arrays = { probabilities: result.probabilities, hidden: result.hidden, stepLogits: result.stepLogits, attention: result.attention };
    for (const [name, values] of Object.entries(arrays)) {
      expect(values, name).toBeInstanceOf(Float32Array);
      expect(Array.isArray(values), name).toBe(false);
      // postMessage sends a view's whole buffer: only this array's bytes may travel.
      expect(spansWholeBuffer(values!), name).toBe(true);
    }
    expect(Array.from(result.hidden!)).toEqual(Array.from(detail.hidden!));
    expect(Array.from(result.stepLogits!)).toEqual(Array.from(detail.stepLogits!));
    expect(Array.from(result.attention!)).toEqual(Array.from(detail.attention!));
    expect(Array.from(result.probabilities)).toEqual(Array.from(detail.probabilities));
    expect(result.top).toEqual(detail.top);
  });

  it('is read by the webview model as it arrives, exactly as the old number[] payload was', async () => {
    const message = await postedResult(detailFromWorker());
    // The webview gets a structured clone of the message: typed arrays stay typed arrays.
    const received = structuredClone(message);
    expect(received.result.hidden).toBeInstanceOf(Float32Array);

    const model = new ResultModel(received.result);
    const reference = new ResultModel(withPlainArrays(message.result));
    expect(model.outputs).toEqual({ hidden: true, stepLogits: true, attention: true });
    expect([model.steps, model.classes, model.hiddenWidth]).toEqual([L, K, D]);
    expect(model.hasSequence).toBe(true);
    for (const kind of ['norm', 'change', 'evidence', 'unit', 'attention'] as const) {
      const spec = { kind, direction: 'backward' as const, classIndex: 2, unit: 4 };
      const quantity = model.gridQuantity(spec);
      expect(quantity, kind).toBeDefined();
      expect(quantity!.grid).toHaveLength(L);
      expect(Array.from(quantity!.grid), kind).toEqual(Array.from(reference.gridQuantity(spec)!.grid));
      expect(quantity!.range, kind).toEqual(reference.gridQuantity(spec)!.range);
    }
    const probs = model.stepProbabilities()!;
    expect(probs).toHaveLength(L * K);
    for (let t = 0; t < L; t++) expect(probs[t * K] + probs[t * K + 1] + probs[t * K + 2]).toBeCloseTo(1, 5);
  });

  it('still treats a truncated typed array as a missing output', async () => {
    const { result } = await postedResult(detailFromWorker());
    const model = new ResultModel({ ...result, hidden: result.hidden!.subarray(0, L * D - 1) });
    expect(model.outputs.hidden).toBe(false);
    expect(model.isAvailable('norm')).toBe(false);
  });

  it('copies the predictions as plain JSON numbers', async () => {
    const { result } = await postedResult(detailFromWorker());
    const text = predictionsJson(structuredClone(result));
    expect(text).not.toMatch(/"0":/);
    const copied = JSON.parse(text);
    expect(copied).toEqual({
      image: '/images/cat.png',
      model: 'tiny-test',
      predictions: [
        { label: 'cat', index: 0, probability: expect.any(Number) },
        { label: 'fox', index: 2, probability: expect.any(Number) },
      ],
    });
    expect(copied.predictions[0].probability).toBeCloseTo(0.7, 6);
  });

  it('persists only plain JSON with setState, and a reload restores the view', async () => {
    const { result, settings } = await postedResult(detailFromWorker());
    const model = new ResultModel(structuredClone(result));
    const ui = { ...defaultUiState(model, settings), timestep: 7, quantity: 'evidence' as const, classIndex: 2, unit: 5 };
    const state = persistedState(result.imagePath, ui, model.result.model.labels);

    // What a webview reload reads back: setState keeps JSON-serialisable data.
    const reloaded = JSON.parse(JSON.stringify(state));
    expect(reloaded).toEqual(state);
    expect(JSON.stringify(state)).not.toMatch(/Float32Array|"0":/);

    // After the reload the host sends the result again; the saved view is applied to it.
    const restored = readPersistedState(reloaded)!;
    expect(restored.imagePath).toBe(result.imagePath);
    const again = new ResultModel(structuredClone(result));
    expect(restoreUiState(defaultUiState(again, settings), restored.ui, again, true)).toEqual(ui);
  });

  it('keeps the chosen class for the same image only when the model names it the same', async () => {
    const { result, settings } = await postedResult(detailFromWorker());
    const model = new ResultModel(structuredClone(result));
    const labels = model.result.model.labels;
    const ui = { ...defaultUiState(model, settings), classIndex: 2 };
    const saved = persistedState(result.imagePath, ui, labels).ui;
    // Same labels: kept, from the saved name or from the labels of the previous model.
    expect(restoreUiState(defaultUiState(model, settings), saved, model, true).classIndex).toBe(2);
    expect(restoreUiState(defaultUiState(model, settings), ui, model, true, labels).classIndex).toBe(2);
    // Another model on the same image, whose class 2 is something else: back to the default.
    const otherResult = structuredClone(result);
    otherResult.model.labels = labels.map((l, i) => (i === 2 ? 'dress' : l));
    const other = new ResultModel(otherResult);
    const base = defaultUiState(other, settings);
    expect(base.classIndex).not.toBe(2);
    expect(restoreUiState(base, saved, other, true).classIndex).toBe(base.classIndex);
    expect(restoreUiState(base, ui, other, true, labels).classIndex).toBe(base.classIndex);
  });

  it('sends the image as it is on disk at each classification, so Reclassify after an edit shows the new picture', async () => {
    const image = path.join(tmpDir(), 'cat.png');
    writeFileSync(image, 'first');
    const first = (await postedResult(detailFromWorker(), image)).result.image!;
    expect(Buffer.from(first.bytes).toString()).toBe('first');
    writeFileSync(image, 'second, longer');
    const second = (await postedResult(detailFromWorker(), image)).result.image!;
    expect(Buffer.from(second.bytes).toString()).toBe('second, longer');
  });
});
