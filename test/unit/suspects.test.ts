import { describe, expect, it } from 'vitest';
import {
  LIKELY_MISLABELED,
  classThresholds,
  confidentLabel,
  estimateIssueCount,
  scoreSuspects,
  suspectScore,
  topSuspects,
  type SuspectInput,
} from '../../src/core/labeling/suspects';
import { GivenLabels } from '../../src/core/labeling/givenLabel';

/** An image given `given` whose model probabilities are `probs` (label → p), all of them in topk. */
function img(given: string, probs: Record<string, number>): SuspectInput {
  const topk = Object.entries(probs)
    .map(([label, score]) => ({ label, score }))
    .sort((a, b) => b.score - a.score);
  return { given, givenScore: probs[given] ?? 0, topk };
}

describe('confident learning thresholds', () => {
  it('t_j is the mean probability of j over the images given j', () => {
    const t = classThresholds([
      img('cat', { cat: 0.6, dog: 0.4 }),
      img('cat', { cat: 0.4, dog: 0.6 }),
      img('dog', { dog: 0.9, cat: 0.1 }),
    ]);
    expect(t.get('cat')).toBeCloseTo(0.5, 12);
    expect(t.get('dog')).toBeCloseTo(0.9, 12);
    expect(t.size).toBe(2);
  });

  it('ignores scores that are not probabilities (hostile labels files)', () => {
    const t = classThresholds([
      { given: 'cat', givenScore: 0.5 },
      { given: 'cat', givenScore: Number.NaN },
      { given: 'cat', givenScore: 7 },
      { given: 'cat', givenScore: -1 },
      { given: 'cat', givenScore: '0.9' as unknown as number },
    ]);
    expect(t.get('cat')).toBe(0.5);
  });

  it('keeps classes named like Object properties apart', () => {
    const t = classThresholds([
      { given: '__proto__', givenScore: 0.2 },
      { given: 'constructor', givenScore: 0.4 },
    ]);
    expect(t.get('__proto__')).toBe(0.2);
    expect(t.get('constructor')).toBe(0.4);
  });
});

describe('suspect score', () => {
  it('is 0 at or above the class threshold and rises to 1 as p(given) falls to 0', () => {
    expect(suspectScore(0.8, 0.6)).toBe(0);
    expect(suspectScore(0.6, 0.6)).toBe(0);
    expect(suspectScore(0.3, 0.6)).toBeCloseTo(0.5, 12);
    expect(suspectScore(0, 0.6)).toBe(1);
  });

  it('is undefined without a threshold or a usable score', () => {
    expect(suspectScore(0.3, undefined)).toBeUndefined();
    expect(suspectScore(0.3, 0)).toBeUndefined();
    expect(suspectScore(Number.NaN, 0.5)).toBeUndefined();
  });

  it('ranks within the class: the same p(given) is more suspect in a class the model is sure of', () => {
    // The model is sure of trucks (t = 0.9) and unsure of cats (t = 0.45): p = 0.3 is an ordinary
    // cat but an odd truck. A ranking by 1 − p(given) alone would tie the two.
    const items = [
      img('truck', { truck: 0.95 }), img('truck', { truck: 0.95 }), img('truck', { truck: 0.95 }),
      img('truck', { truck: 0.3, cat: 0.7 }),
      img('cat', { cat: 0.5 }), img('cat', { cat: 0.5 }), img('cat', { cat: 0.5 }),
      img('cat', { cat: 0.3, truck: 0.7 }),
    ];
    const { suspects, thresholds } = scoreSuspects(items);
    expect(thresholds.get('truck')).toBeCloseTo(0.7875, 12);
    expect(thresholds.get('cat')).toBeCloseTo(0.45, 12);
    expect(suspects[3]).toBeGreaterThan(suspects[7]!);
    expect(suspects[3]).toBeCloseTo(1 - 0.3 / 0.7875, 12);
    expect(suspects[7]).toBeCloseTo(1 - 0.3 / 0.45, 12);
    expect(suspects[0]).toBe(0);
  });
});

describe('confident joint', () => {
  const t = new Map([['cat', 0.5], ['dog', 0.7], ['bird', 0.2]]);

  it('counts an image under the most probable class that reaches its threshold', () => {
    expect(confidentLabel(img('cat', { cat: 0.55, dog: 0.45 }), t)).toBe('cat');
    // dog is more probable, but neither reaches its threshold: counted nowhere
    expect(confidentLabel(img('cat', { dog: 0.6, cat: 0.4 }), t)).toBeUndefined();
    expect(confidentLabel(img('cat', { dog: 0.75, cat: 0.25 }), t)).toBe('dog');
    expect(confidentLabel(img('dog', { dog: 0.5, bird: 0.3, cat: 0.2 }), t)).toBe('bird');
  });

  it('estimates the number of wrong labels from the calibrated off-diagonal', () => {
    // given cat: 4 images, 3 counted (2 as cat, 1 as dog), 1 not counted -> 1/3 * 4
    // given dog: 2 images, both counted as dog -> 0
    const items = [
      img('cat', { cat: 0.9, dog: 0.1 }),
      img('cat', { cat: 0.8, dog: 0.2 }),
      img('cat', { dog: 0.9, cat: 0.1 }),
      img('cat', { dog: 0.6, cat: 0.4 }),
      img('dog', { dog: 0.8, cat: 0.2 }),
      img('dog', { dog: 0.9, cat: 0.1 }),
    ];
    const thresholds = new Map([['cat', 0.5], ['dog', 0.7]]);
    expect(estimateIssueCount(items, thresholds)).toBeCloseTo(4 / 3, 12);
    expect(estimateIssueCount(items.slice(0, 2), thresholds)).toBe(0);
  });

  it('a clean folder with a confident model has no suspects and no estimated issues', () => {
    const items = ['a', 'b', 'c'].flatMap((c) => [0.9, 0.95, 0.85].map((p) => img(c, { [c]: p })));
    const s = scoreSuspects(items);
    expect(s.estimatedIssues).toBe(0);
    expect(Math.max(...s.suspects.map((x) => x ?? 0))).toBeLessThan(LIKELY_MISLABELED);
  });

  it('finds a moved image among clean ones', () => {
    const items = [
      ...[0.9, 0.8, 0.85, 0.95].map((p) => img('cat', { cat: p, dog: 1 - p })),
      ...[0.9, 0.8, 0.85].map((p) => img('dog', { dog: p, cat: 1 - p })),
      img('dog', { cat: 0.97, dog: 0.03 }), // a cat in the dog folder
    ];
    const s = scoreSuspects(items);
    const ranked = topSuspects(items.map((it, i) => ({ path: `p${i}`, suspect: s.suspects[i] })), 1);
    expect(ranked[0].path).toBe('p7');
    expect(s.suspects[7]).toBeGreaterThan(LIKELY_MISLABELED);
    expect(s.estimatedIssues).toBeCloseTo(1, 12);
  });
});

describe('topSuspects', () => {
  it('highest first, ties by path, unscored left out, n clamped', () => {
    const rows = [
      { path: 'b', suspect: 0.5 },
      { path: 'a', suspect: 0.5 },
      { path: 'c', suspect: 0.9 },
      { path: 'd' },
      { path: 'e', suspect: Number.NaN },
    ];
    expect(topSuspects(rows, 10).map((r) => r.path)).toEqual(['c', 'a', 'b']);
    expect(topSuspects(rows, 1).map((r) => r.path)).toEqual(['c']);
    expect(topSuspects(rows, -3)).toEqual([]);
  });
});

describe('given label from the folder layout', () => {
  const g = new GivenLabels(['cat', 'dog', 'a/b', '.git', 'Dog2']);

  it('is the name of the image folder when it is a class folder, at any depth', () => {
    expect(g.of('cat/1.jpg')).toBe('cat');
    expect(g.of('train/2024/dog/x.png')).toBe('dog');
    expect(g.of('CAT/1.jpg')).toBe('cat');
    expect(g.of('dog2/1.jpg')).toBe('Dog2');
    expect(g.of('a_b/1.jpg')).toBe('a/b'); // the folder sort puts "a/b" in
  });

  it('is nothing for loose images, other folders and labels with no safe folder', () => {
    expect(g.of('1.jpg')).toBeUndefined();
    expect(g.of('cat/sub/1.jpg')).toBeUndefined();
    expect(g.of('.git/1.jpg')).toBeUndefined();
    expect(g.of('__proto__/1.jpg')).toBeUndefined();
  });

  it('gives nothing for two labels sharing a folder', () => {
    const clash = new GivenLabels(['Cat', 'cat', 'dog']);
    expect(clash.of('cat/1.jpg')).toBeUndefined();
    expect(clash.of('dog/1.jpg')).toBe('dog');
  });
});
