/** What the panel says about its heatmap: hover readout, legend units, threshold units, explainer, unseen parts. */
import { describe, expect, it } from 'vitest';
import type { ClassifyResultView } from '../../src/shared/protocol';
import { thresholdFromUnits } from '../../webview/panel/thresholdUnits';
import { cellAtPoint, readoutText } from '../../webview/panel/hoverReadout';
import { heatmapExplainer, quantityCaption } from '../../webview/panel/quantityText';
import { ResultModel } from '../../webview/panel/resultModel';
import { defaultUiState } from '../../webview/panel/uiState';
import { rectMinus, unseenRegions } from '../../webview/panel/unseenRegions';

// A 2×2 grid read row by row, GRU of width 2, two classes.
const L = 4;
const result = {
  imagePath: '/i/cat.png',
  fileName: 'cat.png',
  model: {
    name: 'tiny',
    hash: 'h',
    path: '/m.onnx',
    labels: ['cat', 'dog'],
    grid: [2, 2],
    timesteps: L,
    scanOrder: 'row_major',
    rnn: { type: 'gru', hiddenSize: 2, layers: 1, bidirectional: false },
    head: 'final',
    hiddenWidth: 2,
    outputs: { hidden: true, stepLogits: true, attention: false },
    missingViews: [],
    card: {},
    input: { width: 32, height: 32, channels: 3, resize: 'center_crop' },
  },
  provider: 'cpu',
  top: [{ index: 0, label: 'cat', score: 0.7 }],
  probabilities: Float32Array.from([0.7, 0.3]),
  // ‖h‖ per step: 0, 1, 2, 5 (a 3-4-5 triangle at the last step).
  hidden: Float32Array.from([0, 0, 1, 0, 0, 2, 3, 4]),
  // Step logits: dog ahead at step 2, cat ahead at the end.
  stepLogits: Float32Array.from([0, 0, 0, 1, 1, 0, 2, 0]),
  geometry: { width: 64, height: 32, crop: { left: 16, top: 0, width: 32, height: 32 }, format: 'png' },
  timing: { decodeMs: 0, runMs: 0, workerMs: 0, totalMs: 0 },
} as unknown as ClassifyResultView;

const model = new ResultModel(result);
const settings = { topK: 2, colormap: 'viridis', opacity: 0.6, threshold: 0, playIntervalMs: 100 };

describe('hover readout', () => {
  it('names the cell, the step that read it, the value in its own units and the probabilities after that step', () => {
    const ui = { ...defaultUiState(model, settings), quantity: 'norm' as const };
    expect(readoutText(model, ui, 1, 1)).toBe('Cell (1, 1) · step 4 of 4 · ‖hₜ‖ = 5 · after step 4: cat 88.1%, dog 11.9%');
    expect(readoutText(model, ui, 0, 1)).toBe('Cell (0, 1) · step 2 of 4 · ‖hₜ‖ = 1 · after step 2: dog 73.1%, cat 26.9%');
  });

  it('says when the cell is not read yet at the current step', () => {
    const ui = { ...defaultUiState(model, settings), quantity: 'change' as const, timestep: 2 };
    expect(readoutText(model, ui, 1, 0)).toMatch(/^Cell \(1, 0\) · step 3 of 4 · ‖hₜ − hₜ₋₁‖ = 2.24 · .* · not read yet at the current step$/);
  });

  it('finds the cell under a point of the crop, and none outside it', () => {
    const crop = { x: 100, y: 0, width: 200, height: 200 };
    expect(cellAtPoint(150, 50, crop, 2, 2)).toEqual({ row: 0, col: 0 });
    expect(cellAtPoint(299, 199, crop, 2, 2)).toEqual({ row: 1, col: 1 });
    expect(cellAtPoint(50, 50, crop, 2, 2)).toBeUndefined();
  });
});

describe('legend and explainer', () => {
  it('state the units and what high means', () => {
    const ui = { ...defaultUiState(model, settings), quantity: 'change' as const };
    const caption = quantityCaption(ui, model);
    expect(caption).toContain('Euclidean distance between consecutive states');
    expect(caption).toContain('High = the state changed a lot when this cell was read');
  });

  it('describe the heatmap that is showing, and say "hatched" only while cells are hatched', () => {
    const norm = { ...defaultUiState(model, settings), quantity: 'norm' as const, timestep: 2 };
    expect(heatmapExplainer(norm, model)).toContain('size of the hidden state');
    expect(heatmapExplainer(norm, model)).toContain('dimmed and hatched');
    const evidence = { ...norm, quantity: 'evidence' as const, classIndex: 1, timestep: L };
    expect(heatmapExplainer(evidence, model)).toContain('step logit of “dog”');
    expect(heatmapExplainer(evidence, model)).not.toContain('hatched');
  });

  it('threshold: a value in the legend’s units becomes the painter’s fraction of the range', () => {
    expect(thresholdFromUnits(2.5, { min: 0, max: 5 })).toBe(0.5);
    expect(thresholdFromUnits(-1, { min: 0, max: 5 })).toBe(0);
    expect(thresholdFromUnits(3, { min: 3, max: 3 })).toBe(0);
    expect(thresholdFromUnits(3, undefined)).toBe(0);
  });
});

describe('parts the model never saw', () => {
  it('are the sides of a wide photo under center_crop', () => {
    expect(unseenRegions(result.geometry)).toEqual([
      { kind: 'outside-crop', rect: { x: 0, y: 0, width: 16, height: 32 } },
      { kind: 'outside-crop', rect: { x: 48, y: 0, width: 16, height: 32 } },
    ]);
  });

  it('are the padding bands of a letterboxed photo', () => {
    const g = { width: 64, height: 32, crop: { left: 0, top: -16, width: 64, height: 64 }, format: 'png' };
    expect(unseenRegions(g)).toEqual([
      { kind: 'padding', rect: { x: 0, y: -16, width: 64, height: 16 } },
      { kind: 'padding', rect: { x: 0, y: 32, width: 64, height: 16 } },
    ]);
  });

  it('are nothing for a square image', () => {
    expect(unseenRegions({ width: 32, height: 32, crop: { left: 0, top: 0, width: 32, height: 32 }, format: 'png' })).toEqual([]);
    expect(rectMinus({ x: 0, y: 0, width: 2, height: 2 }, { x: 5, y: 5, width: 1, height: 1 })).toEqual([{ x: 0, y: 0, width: 2, height: 2 }]);
  });
});
