import { describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../src/shared/reviewProtocol';
import type { ReviewOutcome } from '../../src/core/batch/review';
import { parseReviewMessage } from '../../src/vscode/batch/reviewMessages';
import { ReviewWriteQueue } from '../../src/vscode/batch/reviewWriteQueue';
import { formatSuspects } from '../../src/cli/suspectsReport';
import { arrange, canMoveToPrediction, givenCaption, likelyMislabeled, readSavedView, type ViewOptions } from '../../webview/review/model';

const items: ReviewItem[] = [
  { path: 'cat/1.jpg', label: 'cat', score: 0.9, given: 'cat', suspect: 0 },
  { path: 'cat/2.jpg', label: 'dog', score: 0.8, given: 'cat', suspect: 0.95 },
  { path: 'cat/3.jpg', label: 'dog', score: 0.5, given: 'cat', suspect: 0.6 },
  { path: 'cat/4.jpg', label: 'dog', score: 0.7, given: 'cat', suspect: 0.9, reviewed: 'cat' }, // a human kept it a cat
  { path: 'dog/5.jpg', label: 'dog', score: 0.6, given: 'dog', suspect: 0.3 },
  { path: 'loose.jpg', label: 'dog', score: 0.4 },
  { path: 'bad.jpg', error: { code: 'corrupt', message: 'x' } },
];
const base: ViewOptions = { sort: 'path', label: '', status: 'all', threshold: 1, group: false };
const flat = (o: Partial<ViewOptions>) => arrange(items, { ...base, ...o })[0].members.map((i) => items[i].path);

describe('review gallery: likely mislabeled', () => {
  it('sorts by suspect score, most suspect first; images without one last', () => {
    expect(flat({ sort: 'suspect-desc' })).toEqual(['cat/2.jpg', 'cat/4.jpg', 'cat/3.jpg', 'dog/5.jpg', 'cat/1.jpg', 'bad.jpg', 'loose.jpg']);
  });

  it('filters to suspects at or above the cut that no human has confirmed', () => {
    expect(flat({ status: 'suspects', sort: 'suspect-desc' })).toEqual(['cat/2.jpg', 'cat/3.jpg']);
    expect(likelyMislabeled({ path: 'x', label: 'a', given: 'b', suspect: 0.5 })).toBe(true);
    expect(likelyMislabeled({ path: 'x', label: 'a', given: 'b', suspect: 0.49 })).toBe(false);
    expect(likelyMislabeled({ path: 'x', label: 'a', given: 'b', suspect: Number.NaN })).toBe(false);
  });

  it('a card says given vs predicted where they differ, and offers the move only then', () => {
    expect(givenCaption(items[1])).toBe('given cat · predicted dog');
    expect(givenCaption(items[0])).toBeUndefined();
    expect(givenCaption(items[5])).toBeUndefined();
    expect(items.map(canMoveToPrediction)).toEqual([false, true, true, true, false, false, false]);
  });

  it('the saved view keeps the new sort and filter', () => {
    const view = { options: { ...base, sort: 'suspect-desc', status: 'suspects' }, scrollTop: 0 };
    expect(readSavedView(view)?.options).toEqual(view.options);
  });
});

describe('review host: the move message', () => {
  it('accepts a well-formed moveToPrediction and nothing else of that type', () => {
    expect(parseReviewMessage({ type: 'moveToPrediction', requestId: 3, path: 'cat/2.jpg', x: 1 })).toEqual({ type: 'moveToPrediction', requestId: 3, path: 'cat/2.jpg' });
    for (const bad of [
      { type: 'moveToPrediction', requestId: 3 },
      { type: 'moveToPrediction', requestId: '3', path: 'a' },
      { type: 'moveToPrediction', requestId: 1.5, path: 'a' },
      { type: 'moveToPrediction', requestId: 3, path: ['a'] },
    ]) {
      expect(parseReviewMessage(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('a move waits for the corrections queued before it', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new ReviewWriteQueue('labels.jsonl', async (changes) => {
      await gate;
      order.push(`write ${changes.length}`);
      return { changed: changes.length, unknownPaths: [] } satisfies ReviewOutcome;
    });
    const saved = queue.enqueue([{ path: 'a', label: 'cat' }]);
    const moved = queue.afterWrites(async () => {
      order.push('move');
      return 1;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    release();
    expect(await moved).toBe(1);
    expect(await saved).toBe(1);
    expect(order).toEqual(['write 1', 'move']);
    // A failed move does not stop later writes.
    await expect(queue.afterWrites(async () => Promise.reject(new Error('locked')))).rejects.toThrow('locked');
    expect(await queue.enqueue([{ path: 'b', label: null }])).toBe(1);
  });
});

describe('rcnn-lens label --suspects: the list for a person', () => {
  it('says what the scores mean, escapes control characters of paths and class names, and says why there is nothing', () => {
    const text = formatSuspects(
      [{ path: 'cat/a\u001b[31m.jpg', given: 'cat', predicted: 'dog\nx', score: 0.8, givenScore: 0.02, suspect: 0.97 }],
      { scored: 10, unscored: 2, estimatedIssues: 1.6 },
    );
    expect(text).toContain('estimates 2 wrong label(s)');
    expect(text).toContain('2 labeled before given labels existed');
    expect(text).toMatch(/^0\.970 {2}cat\/a.*given cat \(2%\), predicted dog.*\(80%\)$/m);
    expect(text).not.toMatch(/[\u001b]/);
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(formatSuspects([], undefined)).toMatch(/no image sits in a folder named after one of the model's classes/);
  });
});
