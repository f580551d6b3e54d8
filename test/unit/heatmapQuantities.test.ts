import { describe, expect, it } from 'vitest';
import { finiteRange, normalizeToUnit } from '../../src/shared/heatmap/normalize';
import {
  classEvidence,
  computeQuantity,
  directionColumns,
  hiddenChanges,
  hiddenNorms,
  hiddenUnit,
  isQuantityAvailable,
  type SequenceData,
} from '../../src/shared/heatmap/quantities';
import { classTrajectory, stepProbabilities } from '../../src/shared/heatmap/stepPredictions';

// L = 3 timesteps, D = 4 (bidirectional: forward = columns 0-1, backward = columns 2-3).
const hidden = [
  3, 4, 0, 1, // t0: ‖fwd‖ = 5, ‖bwd‖ = 1
  3, 4, 0, 2, // t1: forward unchanged, backward 2
  0, 0, 0, 0, // t2
];

describe('hidden-state quantities', () => {
  it('norm over all columns and over one direction', () => {
    expect(Array.from(hiddenNorms(hidden, 3, 4))).toEqual([Math.sqrt(26), Math.sqrt(29), 0].map(Math.fround));
    expect(Array.from(hiddenNorms(hidden, 3, 4, 0, 2))).toEqual([5, 5, 0]);
    expect(Array.from(hiddenNorms(hidden, 3, 4, 2, 4))).toEqual([1, 2, 0]);
  });

  it('change is ‖h_t − h_{t−1}‖ with h_{−1} = 0 (so the first change equals the norm)', () => {
    expect(Array.from(hiddenChanges(hidden, 3, 4, 0, 2))).toEqual([5, 0, 5]);
  });

  it('change of the backward half compares with h_{t+1}, the state it held before reading t', () => {
    // backward reads t2, t1, t0: h_2 = 0 (from zero: change 0), h_1 = 2 (change 2), h_0 = 1 (change 1).
    expect(Array.from(hiddenChanges(hidden, 3, 4, 2, 4, true))).toEqual([1, 2, 0]);
  });

  it('direction columns split a bidirectional state in halves and ignore the choice otherwise', () => {
    expect(directionColumns(256, 'forward', true)).toEqual({ start: 0, end: 128 });
    expect(directionColumns(256, 'backward', true)).toEqual({ start: 128, end: 256 });
    expect(directionColumns(256, 'backward', false)).toEqual({ start: 0, end: 256 });
  });

  it('unit picks one column; an out-of-range unit gives zeros instead of garbage', () => {
    expect(Array.from(hiddenUnit(hidden, 3, 4, 3))).toEqual([1, 2, 0]);
    expect(Array.from(hiddenUnit(hidden, 3, 4, 9))).toEqual([0, 0, 0]);
  });

  it('class evidence is the step logit of that class', () => {
    const stepLogits = [1, 2, 3, 4, 5, 6]; // L = 3, K = 2
    expect(Array.from(classEvidence(stepLogits, 3, 2, 1))).toEqual([2, 4, 6]);
  });
});

describe('computeQuantity', () => {
  const data: SequenceData = { steps: 3, classes: 2, hiddenWidth: 4, bidirectional: true, hidden, stepLogits: [0, 1, 0, 2, 0, 3] };
  const spec = { direction: 'both' as const, classIndex: 1, unit: 0 };

  it('routes each kind to its output and direction', () => {
    expect(Array.from(computeQuantity({ ...spec, kind: 'norm', direction: 'backward' }, data)!)).toEqual([1, 2, 0]);
    expect(Array.from(computeQuantity({ ...spec, kind: 'change', direction: 'backward' }, data)!)).toEqual([1, 2, 0]);
    expect(Array.from(computeQuantity({ ...spec, kind: 'evidence' }, data)!)).toEqual([1, 2, 3]);
  });

  it('passes attention through and slices the forward half', () => {
    const withAttention = { ...data, attention: [0.2, 0.5, 0.3] };
    expect(Array.from(computeQuantity({ ...spec, kind: 'attention' }, withAttention)!)).toEqual([0.2, 0.5, 0.3].map(Math.fround));
    expect(Array.from(computeQuantity({ ...spec, kind: 'norm', direction: 'forward' }, data)!)).toEqual([5, 5, 0]);
    expect(Array.from(computeQuantity({ ...spec, kind: 'change', direction: 'forward' }, data)!)).toEqual([5, 0, 5]);
    // Without bidirectionality the direction is ignored: the whole state.
    const uni = { ...data, bidirectional: false };
    expect(Array.from(computeQuantity({ ...spec, kind: 'norm', direction: 'backward' }, uni)!)).toEqual([Math.sqrt(26), Math.sqrt(29), 0].map(Math.fround));
  });

  it('change over both directions compares each half with its own predecessor and combines them', () => {
    // forward vs h_{t−1}: [5, 0, 5]; backward vs h_{t+1}: [1, 2, 0]; combined sqrt(f² + b²).
    const both = computeQuantity({ ...spec, kind: 'change', direction: 'both' }, data)!;
    expect(Array.from(both)).toEqual([Math.sqrt(26), 2, 5].map(Math.fround));
    // Unidirectional: the whole state against h_{t−1}.
    const uni = computeQuantity({ ...spec, kind: 'change', direction: 'both' }, { ...data, bidirectional: false })!;
    expect(Array.from(uni)).toEqual([Math.sqrt(26), 1, Math.sqrt(29)].map(Math.fround));
  });

  it('returns undefined when the model lacks the output', () => {
    expect(computeQuantity({ ...spec, kind: 'attention' }, data)).toBeUndefined();
    expect(isQuantityAvailable('attention', { hidden: true, stepLogits: true, attention: false })).toBe(false);
    expect(isQuantityAvailable('unit', { hidden: true, stepLogits: false, attention: false })).toBe(true);
  });
});

describe('normalizeToUnit', () => {
  it('min-max scales', () => {
    expect(Array.from(normalizeToUnit([2, 4, 6]))).toEqual([0, 0.5, 1]);
  });

  it('maps a constant array to zeros rather than dividing by zero', () => {
    expect(Array.from(normalizeToUnit([7, 7, 7]))).toEqual([0, 0, 0]);
  });

  it('ignores NaN and infinities for the range and maps them to 0', () => {
    expect(finiteRange([NaN, 1, Infinity, 3])).toEqual({ min: 1, max: 3 });
    expect(Array.from(normalizeToUnit([NaN, 1, Infinity, 3, 2]))).toEqual([0, 0, 0, 1, 0.5]);
    expect(Array.from(normalizeToUnit([NaN, NaN]))).toEqual([0, 0]);
  });
});

describe('running prediction', () => {
  it('is the softmax of each step row', () => {
    const probs = stepProbabilities([0, 0, Math.log(3), 0], 2, 2);
    expect(probs[0]).toBeCloseTo(0.5);
    expect(probs[2]).toBeCloseTo(0.75);
    expect(Array.from(classTrajectory(probs, 2, 2, 1)).map((v) => +v.toFixed(3))).toEqual([0.5, 0.25]);
  });
});
