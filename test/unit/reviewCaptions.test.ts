import { describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../src/shared/reviewProtocol';
import { captionScore, classCounts, ERROR_GROUP, groupHeading } from '../../webview/review/model';

const topk = [
  { label: 'airplane', score: 0.36 },
  { label: 'automobile', score: 0.21 },
  { label: 'ship', score: 0.12 },
];
const item = (over: Partial<ReviewItem>): ReviewItem => ({ path: 'a.jpg', label: 'airplane', score: 0.36, topk, ...over });

describe('review card captions', () => {
  it('show the model’s score for the label shown', () => {
    expect(captionScore(item({}))).toBe('36%');
    expect(captionScore(item({ reviewed: 'airplane' }))).toBe('36%');
    // Relabelled: the model's score for automobile, never airplane's 36%.
    expect(captionScore(item({ reviewed: 'automobile' }))).toBe('21%');
  });

  it('say "reviewed" for a class the model gave no score for', () => {
    expect(captionScore(item({ reviewed: 'frog' }))).toBe('reviewed');
    expect(captionScore(item({ reviewed: 'frog', topk: undefined }))).toBe('reviewed');
  });
});

describe('review group headings', () => {
  it('count the same cards as the class chips after a relabel', () => {
    const items = [item({ path: '1.jpg' }), item({ path: '2.jpg' }), item({ path: '3.jpg', reviewed: 'automobile' })];
    const chips = new Map(classCounts(items));
    expect(chips.get('airplane')).toBe(2);
    // The relabelled card stays in the airplane group until the view is rearranged.
    const heading = groupHeading('airplane', [0, 1, 2], items, ERROR_GROUP);
    expect(heading).toBe('airplane · 2 (1 relabelled)');
    expect(heading.startsWith(`airplane · ${chips.get('airplane')}`)).toBe(true);
    expect(groupHeading(ERROR_GROUP, [0], items, ERROR_GROUP)).toBe('Errors · 1');
  });
});
