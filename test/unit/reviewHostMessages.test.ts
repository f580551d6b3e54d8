import { createHash } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReviewChange, ReviewOutcome } from '../../src/core/batch/review';
import { ModelLabelsCache } from '../../src/vscode/batch/modelLabels';
import { MAX_THUMBS_PER_MESSAGE, ReviewVocabulary, parseReviewMessage } from '../../src/vscode/batch/reviewMessages';
import { ReviewWriteQueue, UnknownReviewPathsError } from '../../src/vscode/batch/reviewWriteQueue';
import { tmpDir } from '../fixtures/hostile/helpers';

describe('review webview messages', () => {
  it('are taken only in their declared shape', () => {
    expect(parseReviewMessage({ type: 'ready' })).toEqual({ type: 'ready' });
    expect(parseReviewMessage({ type: 'open', path: 'a.jpg', extra: 1 })).toEqual({ type: 'open', path: 'a.jpg' });
    expect(parseReviewMessage({ type: 'open', path: 42 })).toBeUndefined();
    expect(parseReviewMessage({ type: 'open' })).toBeUndefined();
    expect(parseReviewMessage(null)).toBeUndefined();
    expect(parseReviewMessage('ready')).toBeUndefined();
    expect(parseReviewMessage({ type: 'delete', path: 'a.jpg' })).toBeUndefined();
    expect(parseReviewMessage({ type: 'setLabels', requestId: '1', changes: [] })).toBeUndefined();
    expect(parseReviewMessage({ type: 'setLabels', requestId: 1, changes: [{ path: 'a.jpg', label: 3 }] })).toBeUndefined();
    expect(parseReviewMessage({ type: 'setLabels', requestId: 1, changes: { path: 'a.jpg', label: 'cat' } })).toBeUndefined();
    expect(parseReviewMessage({ type: 'setLabels', requestId: 1, changes: [{ path: 'a.jpg', label: null }] })).toEqual({
      type: 'setLabels',
      requestId: 1,
      changes: [{ path: 'a.jpg', label: null }],
    });
  });

  it('ask for a bounded number of thumbnails, strings only', () => {
    const paths = [...Array.from({ length: MAX_THUMBS_PER_MESSAGE + 10 }, (_, i) => `${i}.jpg`)];
    const m = parseReviewMessage({ type: 'wantThumbs', paths: [7, ...paths] });
    expect(m?.type === 'wantThumbs' && m.paths.length).toBe(MAX_THUMBS_PER_MESSAGE - 1);
    expect(parseReviewMessage({ type: 'wantThumbs', paths: 'a.jpg' })).toBeUndefined();
  });

  it('may change only the review’s records, to labels the review knows', () => {
    const v = new ReviewVocabulary(
      [
        { path: 'a.jpg', label: 'cat', reviewed: 'lynx' },
        { path: 'b.jpg', error: { code: 'DECODE', message: 'x' } },
      ],
      ['cat', 'dog'],
    );
    expect(v.refusal([{ path: 'a.jpg', label: 'dog' }])).toBeUndefined();
    expect(v.refusal([{ path: 'a.jpg', label: 'lynx' }])).toBeUndefined();
    expect(v.refusal([{ path: 'a.jpg', label: null }])).toBeUndefined();
    expect(v.refusal([{ path: 'a.jpg', label: '<script>' }])).toMatch(/not a class/);
    expect(v.refusal([{ path: '../secret.jpg', label: 'cat' }])).toMatch(/not in this labels file/);
    expect(v.hasPath('b.jpg')).toBe(true);
    expect(v.hasPath('c.jpg')).toBe(false);
  });
});

/** A write the test finishes by hand, to queue requests while it is in flight. */
function manualWrites() {
  const calls: Array<{ changes: ReviewChange[]; finish: (o: ReviewOutcome) => void; fail: (e: Error) => void }> = [];
  const write = (changes: ReviewChange[]) =>
    new Promise<ReviewOutcome>((finish, fail) => calls.push({ changes, finish, fail }));
  return { calls, write };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('batched review writes', () => {
  it('settle each request by the write that took its changes', async () => {
    const { calls, write } = manualWrites();
    const queue = new ReviewWriteQueue('/f/labels.jsonl', write);
    const first = queue.enqueue([{ path: 'a.jpg', label: 'cat' }]);
    await tick();
    expect(calls).toHaveLength(1);
    // Two more while the first write runs: one batch after it.
    const second = queue.enqueue([{ path: 'b.jpg', label: 'dog' }]);
    const third = queue.enqueue([{ path: 'c.jpg', label: 'dog' }]);
    calls[0].finish({ changed: 1, unknownPaths: [] });
    expect(await first).toBe(1);
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1].changes.map((c) => c.path)).toEqual(['b.jpg', 'c.jpg']);
    calls[1].fail(new Error('disk full'));
    await expect(second).rejects.toThrow('disk full');
    await expect(third).rejects.toThrow('disk full');
  });

  it('a change queued before the first write starts fails with that write, never resolves as saved', async () => {
    const { calls, write } = manualWrites();
    const queue = new ReviewWriteQueue('/f/labels.jsonl', write);
    const first = queue.enqueue([{ path: 'a.jpg', label: 'cat' }]);
    const second = queue.enqueue([{ path: 'b.jpg', label: 'dog' }]);
    await tick();
    expect(calls).toHaveLength(1);
    calls[0].fail(new Error('locked'));
    await expect(first).rejects.toThrow('locked');
    await expect(second).rejects.toThrow('locked');
    await tick();
    expect(calls).toHaveLength(1);
  });

  it('fail only the requests whose paths the file no longer holds', async () => {
    const { calls, write } = manualWrites();
    const queue = new ReviewWriteQueue('/f/labels.jsonl', write);
    const kept = queue.enqueue([{ path: 'cat/a.jpg', label: 'cat' }]);
    const lost = queue.enqueue([{ path: 'b.jpg', label: 'dog' }]);
    await tick();
    calls[0].finish({ changed: 1, unknownPaths: ['b.jpg'] });
    expect(await kept).toBe(1);
    const err = await lost.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownReviewPathsError);
    expect((err as Error).message).toMatch(/b\.jpg is no longer in labels\.jsonl/);
  });
});

describe('model labels for the review', () => {
  it('hash the model once per version of the file', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'm.onnx');
    writeFileSync(file, 'not an onnx file');
    let reads = 0;
    const cache = new ModelLabelsCache(async (f) => {
      reads++;
      return readFileSync(f);
    });
    const hash = createHash('sha256').update('not an onnx file').digest('hex').slice(0, 16);
    expect(await cache.labelsFor(file, hash)).toBeUndefined(); // no labels in the header
    expect(await cache.labelsFor(file, hash)).toBeUndefined();
    expect(await cache.labelsFor(file, 'ffffffffffffffff')).toBeUndefined();
    expect(reads).toBe(1);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await cache.labelsFor(file, hash);
    expect(reads).toBe(2);
    expect(await cache.labelsFor(path.join(dir, 'missing.onnx'), undefined)).toBeUndefined();
  });

  it('read the class list from a real model', async () => {
    const file = path.join(__dirname, '..', 'fixtures', 'models', 'tiny-grey-lstm-snake-final.onnx');
    const cache = new ModelLabelsCache();
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
    const labels = await cache.labelsFor(file, hash);
    expect(Array.isArray(labels) && labels.length > 1).toBe(true);
    expect(await cache.labelsFor(file, 'ffffffffffffffff')).toBeUndefined();
  });
});
