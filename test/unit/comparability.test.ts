/** What two sides have in common, and what the compare panel says is not comparable. */
import { describe, expect, it } from 'vitest';
import { classOnBothSides, compareSides, differenceUnavailable, type ComparedModel, type ComparedSide } from '../../src/shared/comparability';
import type { QuantitySpec } from '../../src/shared/heatmap/quantities';

const CIFAR = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const ALL = { hidden: true, stepLogits: true, attention: true };

function side(model: Partial<ComparedModel> = {}, outputs = ALL): ComparedSide {
  return { model: { name: 'm', hash: 'h1', labels: CIFAR, grid: [4, 4], scanOrder: 'row_major', hiddenWidth: 64, ...model }, outputs };
}

const spec = (kind: QuantitySpec['kind']): QuantitySpec => ({ kind, direction: 'both', classIndex: 0, unit: 0 });

describe('compareSides', () => {
  it('two images with one model: everything comparable, nothing to say', () => {
    const c = compareSides(side(), side());
    expect(c).toMatchObject({ sameModel: true, sameGrid: true, sameLabels: true, notes: [] });
    expect(c.quantities).toEqual(['norm', 'change', 'evidence', 'unit', 'attention']);
    expect(c.commonLabels).toEqual(CIFAR);
    for (const k of c.quantities) expect(differenceUnavailable(c, spec(k))).toBeUndefined();
  });

  it('gate views when both sides have gates, a note when one lacks them, never the explanation views', () => {
    const gated = { ...ALL, gates: true };
    expect(compareSides(side({}, gated), side({}, gated)).quantities).toEqual(['norm', 'change', 'evidence', 'unit', 'attention', 'gateWrite', 'gateSaturation']);
    const oneSided = compareSides(side({}, gated), side({ hash: 'h2' }));
    expect(oneSided.quantities).not.toContain('gateWrite');
    expect(oneSided.notes.join(' ')).toMatch(/Only one side can show the gates' write share, gate saturation/);
    const explained = { ...gated, explanation: true, stepMask: true };
    expect(compareSides(side({}, explained), side({}, explained)).quantities).not.toContain('occlusion');
  });

  it('different grids: says so, both sides still show, no difference map', () => {
    const c = compareSides(side(), side({ hash: 'h2', grid: [8, 8] }));
    expect(c.sameGrid).toBe(false);
    expect(c.quantities.length).toBe(5);
    expect(c.notes.join(' ')).toMatch(/different grids \(A 4×4, B 8×8\)/);
    expect(differenceUnavailable(c, spec('norm'))).toMatch(/different grids/);
  });

  it('different labels: matched by name, the differing ones named', () => {
    const c = compareSides(side(), side({ hash: 'h2', labels: ['cat', 'dog', 'fox'] }));
    expect(c.sameLabels).toBe(false);
    expect(c.commonLabels).toEqual(['cat', 'dog']);
    const notes = c.notes.join(' ');
    expect(notes).toMatch(/different classes/);
    expect(notes).toMatch(/only B has fox/);
    expect(notes).toMatch(/only A has airplane, automobile, bird, deer and 4 more/);
    expect(classOnBothSides('dog', side().model, side({ labels: ['cat', 'dog', 'fox'] }).model)).toEqual({ a: 5, b: 1 });
    expect(classOnBothSides('fox', side().model, side({ labels: ['cat', 'dog', 'fox'] }).model)).toBeUndefined();
  });

  it('no class in common: no class evidence offered', () => {
    const c = compareSides(side(), side({ hash: 'h2', labels: ['reds', 'blues'] }));
    expect(c.commonLabels).toEqual([]);
    expect(c.quantities).not.toContain('evidence');
    expect(c.notes.join(' ')).toMatch(/share no class, so class evidence is not offered/);
    expect(c.notes.join(' ')).not.toMatch(/Only one side/);
  });

  it('offers only the quantities both sides have, and says which one side lacks', () => {
    const c = compareSides(side(), side({ hash: 'h2' }, { hidden: true, stepLogits: false, attention: false }));
    expect(c.quantities).toEqual(['norm', 'change', 'unit']);
    expect(c.notes.join(' ')).toMatch(/Only one side can show class evidence, attention, so it is not offered/);
  });

  it('two models: hidden units are not the same units, so no unit difference', () => {
    const c = compareSides(side(), side({ hash: 'h2' }));
    expect(c.sameModel).toBe(false);
    expect(differenceUnavailable(c, spec('unit'))).toMatch(/nothing to do with unit n/);
    expect(differenceUnavailable(c, spec('norm'))).toBeUndefined();
  });

  it('different hidden sizes and scan orders are pointed out', () => {
    const c = compareSides(side(), side({ hash: 'h2', hiddenWidth: 128, scanOrder: 'snake' }));
    const notes = c.notes.join(' ');
    expect(notes).toMatch(/hidden states differ in size \(A 64, B 128\)/);
    expect(notes).toMatch(/different orders \(A row_major, B snake\)/);
  });
});
