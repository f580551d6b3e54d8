/** The gate views (issue 18 item 4) on hand-made `gates` tensors: layout, write map, saturation, availability. */
import { describe, expect, it } from 'vitest';
import { gateSaturation, gateUnits, gateWrite, type GateLayout } from '../../src/shared/heatmap/gates';
import { computeQuantity, gateDirections, type SequenceData } from '../../src/shared/heatmap/quantities';
import type { ClassifyResultView } from '../../src/shared/protocol';
import { quantityCaption } from '../../webview/panel/quantityText';
import { ResultModel } from '../../webview/panel/resultModel';
import { defaultUiState } from '../../webview/panel/uiState';

const rounded = (xs: ArrayLike<number> | undefined) => (xs ? Array.from(xs, (v) => Number(v.toFixed(5))) : xs);
const gru1: GateLayout = { kind: 'gru_update', width: 2, directions: 1 };

describe('gate write map', () => {
  it('GRU: the mean over units of 1 − z at each step', () => {
    // 3 steps, 2 units: z per step.
    const z = [0.1, 0.3, 0.9, 1.0, 0.02, 0.97];
    expect(rounded(gateWrite(z, 3, gru1, [0]))).toEqual([0.8, 0.05, 0.505]);
  });

  it('LSTM: the mean over units of the input gate i; the forget gate f is not part of it', () => {
    // 2 steps, 2 units, one direction: [i0, i1, f0, f1] per step.
    const g = [0.2, 0.6, 0.99, 0.0, 1.0, 0.5, 0.3, 0.3];
    expect(rounded(gateWrite(g, 2, { kind: 'lstm_input_forget', width: 4, directions: 1 }, [0]))).toEqual([0.4, 0.75]);
  });

  it('bidirectional: each direction reads its own block (forward first), both = the mean over all units', () => {
    // GRU, 1 unit per direction: [z_fwd, z_bwd] per step.
    const layout: GateLayout = { kind: 'gru_update', width: 2, directions: 2 };
    const z = [0.0, 0.5, 1.0, 0.25];
    expect(rounded(gateWrite(z, 2, layout, [0]))).toEqual([1, 0]);
    expect(rounded(gateWrite(z, 2, layout, [1]))).toEqual([0.5, 0.75]);
    expect(rounded(gateWrite(z, 2, layout, [0, 1]))).toEqual([0.75, 0.375]);
    // LSTM, 1 unit per direction: [i_fwd, f_fwd, i_bwd, f_bwd].
    const lstm: GateLayout = { kind: 'lstm_input_forget', width: 4, directions: 2 };
    expect(rounded(gateWrite([0.1, 0.9, 0.7, 0.2], 1, lstm, [1]))).toEqual([0.7]);
    expect(rounded(gateWrite([0.1, 0.9, 0.7, 0.2], 1, lstm, [0, 1]))).toEqual([0.4]);
  });

  it('refuses an array or layout that does not fit instead of reading past it', () => {
    expect(gateWrite([0.1, 0.2, 0.3], 2, gru1, [0])).toBeUndefined();
    expect(gateWrite([0.1, 0.2, 0.3], 1, { kind: 'lstm_input_forget', width: 3, directions: 1 }, [0])).toBeUndefined();
    expect(gateWrite([0.1, 0.2], 1, gru1, [1])).toBeUndefined();
    expect(gateWrite([0.1, 0.2], 1, gru1, [])).toBeUndefined();
    expect(gateUnits({ kind: 'gru_update', width: 192, directions: 2 })).toBe(96);
    expect(gateUnits({ kind: 'lstm_input_forget', width: 192, directions: 1 })).toBe(96);
    expect(gateUnits({ kind: 'lstm_input_forget', width: 0, directions: 1 })).toBeUndefined();
  });
});

describe('gate saturation', () => {
  it('the share of gate values below 0.05 or above 0.95 at each step', () => {
    const z = [0.1, 0.3, 0.9, 1.0, 0.02, 0.97];
    expect(rounded(gateSaturation(z, 3, gru1, [0]))).toEqual([0, 0.5, 1]);
    // The bounds themselves are not saturated.
    expect(rounded(gateSaturation([0.05, 0.95], 1, gru1, [0]))).toEqual([0]);
  });

  it('LSTM counts both gates of each unit; a direction counts only its block', () => {
    const lstm: GateLayout = { kind: 'lstm_input_forget', width: 4, directions: 2 };
    // [i_fwd, f_fwd, i_bwd, f_bwd]: forward has 2 of 2 saturated, backward 0 of 2.
    const g = [0.01, 0.999, 0.5, 0.6];
    expect(rounded(gateSaturation(g, 1, lstm, [0]))).toEqual([1]);
    expect(rounded(gateSaturation(g, 1, lstm, [1]))).toEqual([0]);
    expect(rounded(gateSaturation(g, 1, lstm, [0, 1]))).toEqual([0.5]);
  });
});

describe('gate views as heatmap quantities', () => {
  const data: SequenceData = {
    steps: 2,
    classes: 2,
    hiddenWidth: 0,
    bidirectional: true,
    gates: { values: [0.0, 0.5, 1.0, 0.25], layout: { kind: 'gru_update', width: 2, directions: 2 } },
  };
  const spec = { classIndex: 0, unit: 0 };

  it('follow the Direction choice, and are missing without gates', () => {
    expect(gateDirections('both', 2)).toEqual([0, 1]);
    expect(gateDirections('backward', 2)).toEqual([1]);
    expect(gateDirections('backward', 1)).toEqual([0]);
    expect(rounded(computeQuantity({ ...spec, kind: 'gateWrite', direction: 'forward' }, data))).toEqual([1, 0]);
    expect(rounded(computeQuantity({ ...spec, kind: 'gateWrite', direction: 'both' }, data))).toEqual([0.75, 0.375]);
    expect(rounded(computeQuantity({ ...spec, kind: 'gateSaturation', direction: 'forward' }, data))).toEqual([1, 1]);
    expect(computeQuantity({ ...spec, kind: 'gateWrite', direction: 'both' }, { ...data, gates: undefined })).toBeUndefined();
  });
});

// A 1×2 grid, GRU with 2 units, one direction.
function resultWith(over: { gates?: Float32Array; modelGates?: { kind: 'gru_update' | 'lstm_input_forget'; width: number } }): ClassifyResultView {
  return {
    imagePath: '/i/a.png',
    fileName: 'a.png',
    model: {
      name: 'tiny',
      hash: 'h',
      path: '/m.onnx',
      labels: ['a', 'b'],
      grid: [1, 2],
      timesteps: 2,
      scanOrder: 'row_major',
      rnn: { type: 'gru', hiddenSize: 2, layers: 1, bidirectional: false },
      head: 'final',
      hiddenWidth: 2,
      outputs: { hidden: true, stepLogits: false, attention: false },
      gates: over.modelGates,
      missingViews: [],
      card: {},
      input: { width: 32, height: 32, channels: 3, resize: 'center_crop' },
    },
    provider: 'cpu',
    top: [{ index: 0, label: 'a', score: 0.7 }],
    probabilities: Float32Array.from([0.7, 0.3]),
    hidden: Float32Array.from([0, 1, 1, 0]),
    gates: over.gates,
    geometry: { width: 32, height: 32, crop: { left: 0, top: 0, width: 32, height: 32 }, format: 'png' },
    timing: { decodeMs: 0, runMs: 0, workerMs: 0, totalMs: 0 },
  } as unknown as ClassifyResultView;
}

describe('the panel offers the gate views only with a fitting `gates` output', () => {
  const settings = { topK: 2, colormap: 'viridis', opacity: 0.6, threshold: 0, playIntervalMs: 100 };

  it('a model with gates: both views, painted on the grid, legend in gate units', () => {
    const model = new ResultModel(resultWith({ gates: Float32Array.from([0.2, 0.4, 1, 0.98]), modelGates: { kind: 'gru_update', width: 2 } }));
    expect(model.isAvailable('gateWrite')).toBe(true);
    expect(model.isAvailable('gateSaturation')).toBe(true);
    const ui = { ...defaultUiState(model, settings), quantity: 'gateWrite' as const };
    const q = model.gridQuantity({ kind: 'gateWrite', direction: 'both', classIndex: 0, unit: 0 })!;
    expect(rounded(q.values)).toEqual([0.7, 0.01]);
    expect(rounded(q.grid)).toEqual([1, 0]);
    expect(quantityCaption(ui, model)).toMatch(/^gate: write, mean over units of 1 − z \(GRU update gate\), in gate value \(0 = kept the state, 1 = wrote new content\)/);
    // The default view stays the cheap hidden-state norm.
    expect(defaultUiState(model, settings).quantity).toBe('norm');
  });

  it('a v1 model (no gates), or gates of the wrong length: not offered', () => {
    expect(new ResultModel(resultWith({})).isAvailable('gateWrite')).toBe(false);
    const short = new ResultModel(resultWith({ gates: Float32Array.from([0.2, 0.4, 1]), modelGates: { kind: 'gru_update', width: 2 } }));
    expect(short.isAvailable('gateWrite')).toBe(false);
    expect(short.isAvailable('gateSaturation')).toBe(false);
    const undeclared = new ResultModel(resultWith({ gates: Float32Array.from([0.2, 0.4, 1, 0.98]) }));
    expect(undeclared.isAvailable('gateWrite')).toBe(false);
  });
});
