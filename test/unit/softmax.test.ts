import { describe, expect, it } from 'vitest';
import { NonFiniteLogitsError, assertFiniteLogits, entropy, softmax, topK } from '../../src/core/math/softmax';

describe('softmax / topK', () => {
  it('is stable for large logits and sums to one', () => {
    const p = softmax([1000, 1001, 1002]);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 6);
    expect(p[2]).toBeCloseTo(Math.exp(2) / (1 + Math.exp(1) + Math.exp(2)), 6);
  });
  it('works on a slice', () => {
    const p = softmax([9, 9, 0, 0], 2, 2);
    expect(Array.from(p)).toEqual([0.5, 0.5]);
  });
  it('ranks classes, breaking ties by index, clamping k', () => {
    const top = topK([0.1, 0.4, 0.4, 0.1], ['a', 'b', 'c', 'd'], 3);
    expect(top.map((t) => t.label)).toEqual(['b', 'c', 'a']);
    expect(topK([0.2, 0.8], ['x', 'y'], 10)).toHaveLength(2);
  });
  it('entropy is log(K) for a uniform distribution', () => {
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 9);
    expect(entropy([1, 0])).toBe(0);
  });
});

describe('non-finite logits', () => {
  it('are reported as an error naming the class, finite ones pass', () => {
    expect(() => assertFiniteLogits([1, NaN, 2], ['a', 'b', 'c'])).toThrow(new NonFiniteLogitsError('the model produced non-finite logits (NaN for class 1 "b")'));
    expect(() => assertFiniteLogits([1, 2, -Infinity])).toThrow(/-Infinity for class 2/);
    expect(() => assertFiniteLogits([9, Infinity, 0, 0], [], 2, 2)).not.toThrow();
    expect(() => assertFiniteLogits([1e30, -1e30])).not.toThrow();
  });

  it('topK ranks NaN last instead of sorting inconsistently', () => {
    expect(topK([NaN, 0.2, NaN, 0.7, 0.1], ['a', 'b', 'c', 'd', 'e'], 5).map((t) => t.label)).toEqual(['d', 'b', 'e', 'a', 'c']);
  });
});
