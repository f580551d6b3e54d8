import { describe, expect, it } from 'vitest';
import { rememberReview, restorableReview } from '../../src/vscode/batch/reviewRestore';

describe('restoring review panels', () => {
  it('restores only folders the host recorded, never one from the webview state alone', () => {
    let list = rememberReview(undefined, { folder: '/data/a', labelsFile: '/data/a/labels.jsonl' });
    list = rememberReview(list, { folder: '/data/b', labelsFile: '/data/b/labels.csv' });
    list = rememberReview(list, { folder: '/data/a', labelsFile: '/data/a/labels.jsonl' });
    expect(list.length).toBe(2);
    expect(restorableReview(list, { folder: '/data/a', labelsFile: '/data/a/labels.jsonl' })).toEqual({ folder: '/data/a', labelsFile: '/data/a/labels.jsonl' });
    expect(restorableReview(list, { folder: '/', labelsFile: '/data/a/labels.jsonl' })).toBeUndefined();
    expect(restorableReview(list, { folder: '/home/u', labelsFile: '/home/u/labels.jsonl' })).toBeUndefined();
    expect(restorableReview(list, undefined)).toBeUndefined();
    expect(restorableReview(undefined, { folder: '/data/a', labelsFile: '/data/a/labels.jsonl' })).toBeUndefined();
    expect(restorableReview(list, { folder: 1, labelsFile: 2 })).toBeUndefined();
  });

  it('keeps a bounded list', () => {
    let list = rememberReview(undefined, { folder: '/f0', labelsFile: '/f0/l.jsonl' });
    for (let i = 1; i < 80; i++) list = rememberReview(list, { folder: `/f${i}`, labelsFile: `/f${i}/l.jsonl` });
    expect(list.length).toBe(50);
    expect(restorableReview(list, { folder: '/f79', labelsFile: '/f79/l.jsonl' })).toBeDefined();
  });
});
