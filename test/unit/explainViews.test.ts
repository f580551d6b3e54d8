import { describe, expect, it } from 'vitest';
import { deletionAuc, deletionPrefixes } from '../../src/core/explain/deletion';
import { type Evaluate, ExplainCancelledError } from '../../src/core/explain/evaluator';
import { type ExplainRequest, explain } from '../../src/core/explain/explain';
import { orderByScores, seededOrder } from '../../src/core/explain/ranking';

// A hand-made "model" on a 2×2 grid: the class probability starts at 0.9 and each removed
// cell t takes weight[t] off it (its logit moves by 10× as much).
const weight = [0.1, 0.4, 0.0, 0.3];
const base = { probability: 0.9, logit: 5 };
const linear: Evaluate = async (removed) => ({
  probability: Float32Array.from(removed, (set) => base.probability - set.reduce((s, t) => s + weight[t], 0)),
  logit: Float32Array.from(removed, (set) => base.logit - 10 * set.reduce((s, t) => s + weight[t], 0)),
});

function request(over: Partial<ExplainRequest> = {}): ExplainRequest {
  return { grid: { rows: 2, cols: 2 }, scanOrder: 'row_major', base, methods: ['occlusion'], window: 1, evaluate: linear, ...over };
}

const rounded = (xs: ArrayLike<number>) => Array.from(xs, (v) => Number(v.toFixed(5)));

describe('explain on a hand-made model', () => {
  it('single-cell occlusion scores are the drops in probability and logit', async () => {
    const e = await explain(request());
    const occ = e.methods.occlusion!;
    expect(rounded(occ.scores)).toEqual(weight);
    expect(rounded(occ.logitDrops!)).toEqual(weight.map((w) => w * 10));
    expect(occ.order).toEqual([1, 3, 0, 2]);
    expect(occ.runs).toBe(4);
    // curve: remove 1, then 3, then 0, then 2
    expect(rounded(occ.curve)).toEqual([0.9, 0.5, 0.2, 0.1, 0.1]);
    expect(occ.deletionAuc).toBeCloseTo((0.9 + 0.5 + 0.2 + 0.1 + 0.1) / 5, 6);
  });

  it('the random ranking is seeded and its area is that of its own curve', async () => {
    const e = await explain(request({ randomSeed: 7 }));
    expect(e.random.order).toEqual(seededOrder(4, 7));
    const expected = (await linear(deletionPrefixes(seededOrder(4, 7)))).probability;
    expect(e.random.deletionAuc).toBeCloseTo(deletionAuc(expected), 6);
  });

  it('attention and norm rank by their own values; their curves still use occlusion', async () => {
    const hidden = { values: [3, 4, 0, 0, 1, 0, 0, 2], width: 2 }; // norms 5, 0, 1, 2
    const e = await explain(request({ methods: ['attention', 'norm'], attention: [0.1, 0.2, 0.6, 0.1], hidden }));
    expect(e.methods.attention!.order).toEqual([2, 1, 0, 3]);
    expect(rounded(e.methods.norm!.scores)).toEqual([5, 0, 1, 2]);
    expect(e.methods.norm!.order).toEqual([0, 3, 2, 1]);
    expect(rounded(e.methods.attention!.curve)).toEqual([0.9, 0.9, 0.5, 0.4, 0.1]);
  });

  it('the deep view finds the most faithful order of a model whose cells add up', async () => {
    const e = await explain(request({ methods: ['deep', 'occlusion'] }));
    expect(orderByScores(e.methods.deep!.scores)).toEqual(e.methods.deep!.order);
    expect(e.methods.deep!.order).toEqual([1, 3, 0, 2]);
    expect(e.methods.deep!.deletionAuc).toBeLessThanOrEqual(e.random.deletionAuc);
  });

  it('window 2 on a 2×2 grid is one window: every cell gets its drop', async () => {
    const e = await explain(request({ window: 2 }));
    expect(rounded(e.methods.occlusion!.scores)).toEqual([0.8, 0.8, 0.8, 0.8]);
    expect(e.methods.occlusion!.runs).toBe(1);
  });

  it('says why a view is missing and computes the others', async () => {
    const e = await explain(request({ methods: ['ablation', 'attention', 'occlusion'] }));
    expect(e.missing.ablation).toMatch(/step_mask/);
    expect(e.missing.attention).toMatch(/attention/);
    expect(Object.keys(e.methods)).toEqual(['occlusion']);
  });

  it('ablation scores are drops when one step alone is masked', async () => {
    const ablate: Evaluate = async (sets) => ({
      probability: Float32Array.from(sets, (s) => 0.9 - (s[0] === 2 ? 0.5 : 0)),
      logit: Float32Array.from(sets, () => 5),
    });
    const e = await explain(request({ methods: ['ablation'], ablate }));
    expect(rounded(e.methods.ablation!.scores)).toEqual([0, 0, 0.5, 0]);
    expect(e.methods.ablation!.order[0]).toBe(2);
  });

  it('reports progress up to the total and stops when cancelled', async () => {
    const seen: Array<[number, number]> = [];
    await explain(request({ methods: ['occlusion', 'deep'], onProgress: (d, t) => seen.push([d, t]) }));
    expect(seen.at(-1)![0]).toBe(seen.at(-1)![1]);
    expect(seen.every(([d, t]) => d <= t)).toBe(true);
    const signal = { aborted: false };
    const cancelling: Evaluate = async (sets) => {
      signal.aborted = true;
      return linear(sets);
    };
    await expect(explain(request({ methods: ['occlusion', 'deep'], evaluate: cancelling, signal }))).rejects.toBeInstanceOf(ExplainCancelledError);
  });
});
