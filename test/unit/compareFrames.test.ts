/**
 * What the compare panel paints on each side, from hand-made results: the shared scale is
 * min/max over both sides, the difference is A − B on a symmetric scale, a grid mismatch
 * keeps both sides on the shared scale with a reason, and one scrubber clamps per side.
 */
import { describe, expect, it } from 'vitest';
import { compareSides } from '../../src/shared/comparability';
import type { ClassifyResultView } from '../../src/shared/protocol';
import { compareFrames, sideSpec } from '../../webview/compare/compareFrames';
import { defaultCompareUi, restoreCompareUi, type CompareUi } from '../../webview/compare/compareUi';
import { ResultModel } from '../../webview/panel/resultModel';

function result(hidden: number[], o: { cols?: number; hash?: string; labels?: string[]; stepLogits?: number[] } = {}): ResultModel {
  const labels = o.labels ?? ['cat', 'dog'];
  const cols = o.cols ?? hidden.length;
  return new ResultModel({
    model: {
      name: 'm',
      hash: o.hash ?? 'h1',
      labels,
      grid: [1, cols],
      timesteps: cols,
      scanOrder: 'row_major',
      rnn: { type: 'gru', hiddenSize: 1, layers: 1, bidirectional: false },
      head: 'final',
      hiddenWidth: 1,
      outputs: { hidden: true, stepLogits: !!o.stepLogits, attention: false },
    },
    top: [{ index: 0, label: labels[0], score: 0.9 }],
    probabilities: new Float32Array(labels.length),
    hidden: Float32Array.from(hidden),
    stepLogits: o.stepLogits && Float32Array.from(o.stepLogits),
    geometry: { width: 3, height: 1, crop: { left: 0, top: 0, width: 3, height: 1 }, format: 'png' },
  } as unknown as ClassifyResultView);
}

const comparability = (a: ResultModel, b: ResultModel) =>
  compareSides({ model: a.result.model, outputs: a.outputs }, { model: b.result.model, outputs: b.outputs });

const ui = (patch: Partial<CompareUi> = {}): CompareUi => ({
  timestep: 3,
  quantity: 'norm',
  classLabel: 'cat',
  unit: 0,
  colormap: 'viridis',
  opacity: 0.6,
  difference: false,
  ...patch,
});

const values = (a: Float32Array | undefined) => Array.from(a ?? []);

describe('compareFrames', () => {
  // One hidden unit, so ‖h_t‖ = |h_t|: A reads 1, 2, 3 and B reads 0, 4, 1.
  const a = result([1, 2, 3]);
  const b = result([0, -4, 1]);

  it('puts both sides on one scale: min and max over A and B', () => {
    const f = compareFrames(a, b, comparability(a, b), ui());
    expect(f.scale).toBe('shared');
    expect(f.range).toEqual({ min: 0, max: 4 });
    expect(values(f.a?.grid)).toEqual([0.25, 0.5, 0.75]);
    expect(values(f.b?.grid)).toEqual([0, 1, 0.25]);
  });

  it('with Difference on, paints A − B on a scale symmetric about zero on both sides', () => {
    const f = compareFrames(a, b, comparability(a, b), ui({ difference: true }));
    expect(f.scale).toBe('difference');
    expect(f.range).toEqual({ min: -2, max: 2 }); // A − B = 1, −2, 2
    expect(values(f.a?.grid)).toEqual([0.75, 0, 1]);
    expect(values(f.b?.grid)).toEqual(values(f.a?.grid));
    expect(f.differenceNote).toBeUndefined();
  });

  it('moves both sides with one timestep and reveals only what both have read in the difference', () => {
    const f = compareFrames(a, b, comparability(a, b), ui({ timestep: 2, difference: true }));
    expect(values(f.a?.visible as unknown as Float32Array)).toEqual([1, 1, 0]);
    expect(f.a?.step).toBe(2);
    expect(f.b?.step).toBe(2);
  });

  it('with different grids: both sides still painted, on the shared scale, and Difference says why not', () => {
    const wide = result([0, 8, 0, 0], { hash: 'h2' });
    const c = comparability(a, wide);
    const f = compareFrames(a, wide, c, ui({ timestep: 4, difference: true }));
    expect(f.scale).toBe('shared');
    expect(f.differenceNote).toMatch(/different grids/);
    expect(f.range).toEqual({ min: 0, max: 8 });
    expect(f.a?.step).toBe(3); // A has 3 steps: it stays at its last
    expect(f.b?.step).toBe(4);
    expect(c.notes.join(' ')).toMatch(/different grids \(A 1×3, B 1×4\)/);
  });

  it('matches the evidence class by name when the models order their classes differently', () => {
    // A: cat, dog; B: dog, cat. Step logits per step [cat, dog] for A and [dog, cat] for B.
    const ea = result([1, 1, 1], { stepLogits: [1, 0, 2, 0, 3, 0] });
    const eb = result([1, 1, 1], { hash: 'h2', labels: ['dog', 'cat'], stepLogits: [0, 3, 0, 2, 0, 1] });
    expect(sideSpec(ui({ quantity: 'evidence', classLabel: 'cat' }), eb).classIndex).toBe(1);
    const f = compareFrames(ea, eb, comparability(ea, eb), ui({ quantity: 'evidence', classLabel: 'cat', difference: true }));
    expect(f.range).toEqual({ min: -2, max: 2 }); // cat: A 1, 2, 3 against B 3, 2, 1
    expect(values(f.a?.grid)).toEqual([0, 0.5, 1]);
  });

  it('with one side missing, paints the other alone and explains the missing difference', () => {
    const f = compareFrames(a, undefined, undefined, ui({ difference: true }));
    expect(f.b).toBeUndefined();
    expect(f.range).toEqual({ min: 1, max: 3 });
    expect(f.differenceNote).toMatch(/Both sides need a result/);
  });
});

describe('compare choices', () => {
  const a = result([1, 2, 3]);
  const b = result([0, 4, 1]);
  const c = comparability(a, b);
  const settings = { topK: 5, colormap: 'magma', opacity: 0.5, threshold: 0, playIntervalMs: 100 };

  it('start at the last step with the first quantity both sides have', () => {
    expect(defaultCompareUi(c, 3, 'cat', settings)).toMatchObject({ timestep: 3, quantity: 'norm', classLabel: 'cat', colormap: 'magma', opacity: 0.5, difference: false });
  });

  it('keep only saved values that are valid for this pair', () => {
    const base = defaultCompareUi(c, 3, 'cat', settings);
    const restored = restoreCompareUi(base, { timestep: 2, quantity: 'attention', classLabel: 'fox', colormap: 'nope', opacity: 7, difference: true }, c, 3);
    expect(restored).toMatchObject({ timestep: 2, quantity: 'norm', classLabel: 'cat', colormap: 'magma', opacity: 0.5, difference: true });
    expect(restoreCompareUi(base, { timestep: 99 }, c, 3).timestep).toBe(3);
    expect(restoreCompareUi(base, 'garbage', c, 3)).toEqual(base);
  });
});
