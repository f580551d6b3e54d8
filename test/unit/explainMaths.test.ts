import { describe, expect, it } from 'vitest';
import { cellRect, occludedBatch } from '../../src/core/explain/cellRegions';
import { deletionAuc, deletionPrefixes } from '../../src/core/explain/deletion';
import { orderByScores, rankScores, seededOrder } from '../../src/core/explain/ranking';
import { solveSpd } from '../../src/core/explain/linearSolve';
import { keptWeights, randomRemovalSets } from '../../src/core/explain/randomMasks';
import { cellsInScanOrder, occlusionWindows, scoresFromWindows } from '../../src/core/explain/windows';

describe('region occlusion inputs', () => {
  it('cells tile the input, also when the size is not a multiple of the grid', () => {
    expect(cellRect(1, 2, { rows: 2, cols: 4 }, { channels: 1, height: 4, width: 8 })).toEqual({ y0: 2, y1: 4, x0: 4, x1: 6 });
    // 5 pixels over 2 cells: [0, 2) and [2, 5)
    expect(cellRect(0, 1, { rows: 1, cols: 2 }, { channels: 1, height: 1, width: 5 })).toEqual({ y0: 0, y1: 1, x0: 2, x1: 5 });
  });

  it('writes the mean colour (0 after normalisation) over exactly the cell, on every channel', () => {
    const input = { channels: 2, height: 2, width: 4 };
    const base = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const out = occludedBatch(base, [[], [[0, 1]]], { rows: 1, cols: 2 }, input);
    expect(Array.from(out.subarray(0, 16))).toEqual(Array.from(base));
    // cell (0, 1) = columns 2..3 of both rows, both channels
    expect(Array.from(out.subarray(16))).toEqual([1, 2, 0, 0, 5, 6, 0, 0, 9, 10, 0, 0, 13, 14, 0, 0]);
  });

  it('refuses an image of the wrong size', () => {
    expect(() => occludedBatch(new Float32Array(3), [[]], { rows: 1, cols: 1 }, { channels: 1, height: 2, width: 2 })).toThrow(/expected 4/);
  });
});

describe('occlusion windows', () => {
  it('window 1 is one cell per window; window 2 covers 2×2 blocks at stride 1', () => {
    expect(occlusionWindows({ rows: 2, cols: 2 }, 'row_major', 1)).toEqual([[0], [1], [2], [3]]);
    expect(occlusionWindows({ rows: 2, cols: 3 }, 'row_major', 2)).toEqual([[0, 1, 3, 4], [1, 2, 4, 5]]);
    // a 1-row grid: the window is clipped to 1×2
    expect(occlusionWindows({ rows: 1, cols: 3 }, 'row_major', 2)).toEqual([[0, 1], [1, 2]]);
  });

  it('names cells by timestep in the model scan order', () => {
    // snake 2×2: t0 (0,0), t1 (0,1), t2 (1,1), t3 (1,0)
    expect(occlusionWindows({ rows: 2, cols: 2 }, 'snake', 1)).toEqual([[0], [1], [3], [2]]);
    expect(cellsInScanOrder({ rows: 2, cols: 2 }, 'snake')).toEqual([[0, 0], [0, 1], [1, 1], [1, 0]]);
  });

  it("a cell's score is the mean drop of the windows covering it", () => {
    const scores = scoresFromWindows([[0, 1, 3, 4], [1, 2, 4, 5]], [0.2, 0.4], 6);
    expect(Array.from(scores).map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.3, 0.4, 0.2, 0.3, 0.4]);
  });
});

describe('rankings and deletion curves', () => {
  it('orders by descending score, ties by earlier timestep, NaN last', () => {
    expect(orderByScores([0.1, 0.5, NaN, 0.5, -1])).toEqual([1, 3, 0, 4, 2]);
  });

  it('rank scores reproduce an order', () => {
    const order = [2, 0, 3, 1];
    expect(Array.from(rankScores(order))).toEqual([0.75, 0.25, 1, 0.5]);
    expect(orderByScores(rankScores(order))).toEqual(order);
  });

  it('the random ranking is a seeded permutation', () => {
    const a = seededOrder(64, 18);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 64 }, (_, t) => t));
    expect(seededOrder(64, 18)).toEqual(a);
    expect(seededOrder(64, 19)).not.toEqual(a);
  });

  it('prefixes k = 0…L and the area is the mean over the L + 1 points', () => {
    expect(deletionPrefixes([2, 0, 1])).toEqual([[], [2], [2, 0], [2, 0, 1]]);
    expect(deletionAuc([0.9, 0.5, 0.3, 0.1])).toBeCloseTo(0.45, 10);
    expect(() => deletionAuc([])).toThrow();
  });
});

describe('random-mask saliency', () => {
  it('mask sets are seeded, within range and vary in size', () => {
    const sets = randomRemovalSets(16, { masks: 50, seed: 3 });
    expect(randomRemovalSets(16, { masks: 50, seed: 3 })).toEqual(sets);
    expect(sets.flat().every((t) => t >= 0 && t < 16)).toBe(true);
    const sizes = new Set(sets.map((s) => s.length));
    expect(sizes.size).toBeGreaterThan(5);
  });

  it('recovers the weights of a model whose cells add up', () => {
    const w = [0.05, 0.3, 0, 0.2, 0.1];
    const sets = randomRemovalSets(5, { masks: 200, seed: 1 });
    const p = sets.map((removed) => 0.1 + w.reduce((s, v, t) => s + (removed.includes(t) ? 0 : v), 0));
    const fit = Array.from(keptWeights(5, sets, p));
    fit.forEach((v, t) => expect(v).toBeCloseTo(w[t], 2));
  });

  it('solves a symmetric positive definite system and refuses a singular one', () => {
    const x = solveSpd(Float64Array.from([4, 2, 2, 3]), Float64Array.from([10, 8]), 2);
    expect(Array.from(x).map((v) => Number(v.toFixed(10)))).toEqual([1.75, 1.5]);
    expect(() => solveSpd(Float64Array.from([1, 1, 1, 1]), Float64Array.from([1, 1]), 2)).toThrow(/positive definite/);
  });
});
