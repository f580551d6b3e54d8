// The skip / reuse / review rules of a labeling run, on plain data: no files, no worker processes.
import { describe, expect, it } from 'vitest';
import { ScanList, type ScanEntry } from '../../src/core/folder/scanList';
import { type LabelRecord, parseJsonLine, toJsonLine } from '../../src/core/labelsFile/records';
import { isStale, limitNote, mergePrevious, planRun, reviewsToKeep, settleContentChecks } from '../../src/core/labeling/plan';

const MODEL = { name: 'tiny', hash: 'aaaa' };
const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const MAX_PIXELS = 1000;

function rec(path: string, extra: Partial<LabelRecord> = {}): LabelRecord {
  const r: LabelRecord = { path, label: 'cat', score: 0.9, topk: [{ label: 'cat', score: 0.9 }], model: MODEL, size: 100, mtime: 1000, ...extra };
  if (r.error) delete r.label;
  return r;
}

function scan(...entries: ScanEntry[]): ScanList {
  const list = new ScanList();
  for (const e of entries) list.push(e);
  return list;
}

const entry = (rel: string, size = 100, mtimeMs = 1000, problem?: ScanEntry['problem']): ScanEntry => ({ rel, size, mtimeMs, ...(problem ? { problem } : {}) });
const prevMap = (...records: LabelRecord[]) => new Map(records.map((r) => [r.path, toJsonLine(r)]));

function plan(entries: ScanList, previous: Map<string, string>, o: { modelHash?: string; contentMode?: boolean } = {}) {
  return planRun({ entries, previous, modelHash: o.modelHash ?? MODEL.hash, maxPixels: MAX_PIXELS, contentMode: o.contentMode ?? false });
}

describe('planRun: what is reused and what is labeled again', () => {
  it('reuses an unchanged file labeled by the same model, line for line', async () => {
    const previous = prevMap(rec('a.jpg'));
    const p = await plan(scan(entry('a.jpg')), previous);
    expect([...p.reuse]).toEqual([['a.jpg', previous.get('a.jpg')]]);
    expect(p.todo).toEqual([]);
    expect(p.counts).toEqual({ classCounts: { cat: 1 }, errorCodes: {} });
  });

  it('labels again a new file, a file of another size or mtime, and every file under another model', async () => {
    const previous = prevMap(rec('same.jpg'), rec('size.jpg'), rec('mtime.jpg'));
    const entries = scan(entry('same.jpg'), entry('size.jpg', 101), entry('mtime.jpg', 100, 2000), entry('new.jpg'));
    const p = await plan(entries, previous);
    expect([...p.reuse.keys()]).toEqual(['same.jpg']);
    expect(p.todo).toEqual([1, 2, 3]);
    const other = await plan(entries, previous, { modelHash: 'bbbb' });
    expect(other.reuse.size).toBe(0);
    expect(other.todo).toEqual([0, 1, 2, 3]);
  });

  it('labels again a record in a class folder without the score of its given class (written before given labels)', async () => {
    const scored = rec('cat/a.jpg', { given: 'cat', givenScore: 0.9 });
    const unscored = rec('cat/b.jpg', { given: 'cat' });
    const previous = prevMap(scored, unscored, rec('c.jpg'));
    const p = await plan(scan(entry('cat/a.jpg'), entry('cat/b.jpg'), entry('c.jpg')), previous);
    expect([...p.reuse.keys()]).toEqual(['cat/a.jpg', 'c.jpg']);
    expect(p.todo).toEqual([1]);
    // The same rule for a file whose bytes did not change under a new mtime (content mode).
    const hashed = prevMap(rec('cat/a.jpg', { given: 'cat', givenScore: 0.9, sha256: SHA_A }), rec('cat/b.jpg', { given: 'cat', sha256: SHA_A }));
    const entries = scan(entry('cat/a.jpg', 100, 2000), entry('cat/b.jpg', 100, 2000));
    const c = await plan(entries, hashed, { contentMode: true });
    expect([...c.toCheck.keys()]).toEqual([0, 1]);
    await settleContentChecks(c, { entries, modelHash: MODEL.hash, maxPixels: MAX_PIXELS }, new Set([0, 1]));
    expect([...c.reuse.keys()]).toEqual(['cat/a.jpg']);
    expect(c.todo).toEqual([1]);
  });

  it('retries errors that say nothing about the file, keeps those that do', async () => {
    const err = (code: string, message = 'x') => ({ error: { code, message } });
    const previous = prevMap(
      rec('crash.jpg', err('crash')),
      rec('timeout.jpg', err('timeout')),
      rec('unreadable.jpg', err('unreadable')),
      rec('gone.jpg', err('not_found')),
      rec('broken.jpg', err('decode_failed')),
    );
    const entries = scan(entry('crash.jpg'), entry('timeout.jpg'), entry('unreadable.jpg'), entry('gone.jpg'), entry('broken.jpg'));
    const p = await plan(entries, previous);
    expect(p.todo).toEqual([0, 1, 2, 3]);
    expect([...p.reuse.keys()]).toEqual(['broken.jpg']);
    expect(p.reusedErrors).toBe(1);
    expect(p.counts.errorCodes).toEqual({ decode_failed: 1 });
  });

  it('keeps too_large under the same pixel limit, retries it under another one', () => {
    const tooLarge = (limit: number) => ({ code: 'too_large', message: `1000x1000 pixels${limitNote(limit)}` });
    expect(isStale(tooLarge(MAX_PIXELS), MAX_PIXELS)).toBe(false);
    expect(isStale(tooLarge(MAX_PIXELS * 2), MAX_PIXELS)).toBe(true);
    // A too_large message without any limit note (an older record) is retried.
    expect(isStale({ code: 'too_large', message: 'too big' }, MAX_PIXELS)).toBe(true);
    expect(isStale(undefined, MAX_PIXELS)).toBe(false);
  });

  it('a file the scan could not examine gets an error row, even when its previous record is unchanged', async () => {
    const problem = { code: 'unreadable' as const, message: 'EACCES' };
    const p = await plan(scan(entry('a.jpg', 100, 1000, problem), entry('b.jpg')), prevMap(rec('a.jpg')));
    expect(p.problems).toEqual([0]);
    expect(p.reuse.has('a.jpg')).toBe(false);
    expect(p.todo).toEqual([1]);
    expect(p.counts.errorCodes).toEqual({ unreadable: 1 });
  });

  it('counts a reviewed record under its reviewed label', async () => {
    const previous = prevMap(rec('a.jpg', { reviewed: { label: 'dog', at: 't' } }), rec('b.jpg'));
    const p = await plan(scan(entry('a.jpg'), entry('b.jpg')), previous);
    expect(p.counts.classCounts).toEqual({ dog: 1, cat: 1 });
  });

  it('skips a previous line that is not a record of ours', async () => {
    const p = await plan(scan(entry('a.jpg')), new Map([['a.jpg', '{"path":"a.jpg"}']]));
    expect(p.todo).toEqual([0]);
  });
});

describe('content mode', () => {
  it('hashes first only a file whose mtime changed, size did not, with a hash on record', async () => {
    const previous = prevMap(rec('touched.jpg', { sha256: SHA_A }), rec('nohash.jpg'), rec('grown.jpg', { sha256: SHA_A }), rec('same.jpg', { sha256: SHA_A }));
    const entries = scan(entry('touched.jpg', 100, 2000), entry('nohash.jpg', 100, 2000), entry('grown.jpg', 200, 2000), entry('same.jpg'));
    const p = await plan(entries, previous, { contentMode: true });
    expect([...p.toCheck.keys()]).toEqual([0]);
    expect(p.todo).toEqual([1, 2]);
    expect([...p.reuse.keys()]).toEqual(['same.jpg']);
    // Without content mode the touched file is simply labeled again.
    expect((await plan(entries, previous)).toCheck.size).toBe(0);
  });

  it('checks by content even under a new model (the review survives), but labels again', async () => {
    const reviewed = { label: 'dog', at: 't' };
    const previous = prevMap(rec('a.jpg', { sha256: SHA_A, reviewed }));
    const entries = scan(entry('a.jpg', 100, 2000));
    const p = await plan(entries, previous, { modelHash: 'bbbb', contentMode: true });
    expect([...p.toCheck.keys()]).toEqual([0]);
    const same = new Set([0]);
    await settleContentChecks(p, { entries, modelHash: 'bbbb', maxPixels: MAX_PIXELS }, same);
    expect(p.todo).toEqual([0]);
    expect(p.reusedByContent).toBe(0);
    expect(await reviewsToKeep(p.todo, entries, previous, new Map(), same)).toEqual(new Map([['a.jpg', reviewed]]));
  });

  it('same bytes keep the previous record under the new mtime; other bytes join todo in scan order', async () => {
    const previous = prevMap(rec('a.jpg', { sha256: SHA_A }), rec('b.jpg', { sha256: SHA_B, error: { code: 'decode_failed', message: 'bad' } }), rec('c.jpg', { sha256: SHA_A }));
    const entries = scan(entry('a.jpg', 100, 2000), entry('new.jpg'), entry('b.jpg', 100, 3000), entry('c.jpg', 100, 4000));
    const p = await plan(entries, previous, { contentMode: true });
    expect(p.todo).toEqual([1]);
    await settleContentChecks(p, { entries, modelHash: MODEL.hash, maxPixels: MAX_PIXELS }, new Set([0, 2]));
    expect(p.todo).toEqual([1, 3]);
    expect(parseJsonLine(p.reuse.get('a.jpg')!)).toEqual({ ...rec('a.jpg', { sha256: SHA_A }), mtime: 2000 });
    expect(parseJsonLine(p.reuse.get('b.jpg')!)!.mtime).toBe(3000);
    expect(p.reusedByContent).toBe(2);
    expect(p.reusedErrors).toBe(1);
    expect(p.counts).toEqual({ classCounts: { cat: 1 }, errorCodes: { decode_failed: 1 } });
  });

  it('same bytes with a stale error are labeled again', async () => {
    const previous = prevMap(rec('a.jpg', { sha256: SHA_A, error: { code: 'crash', message: 'x' } }));
    const entries = scan(entry('a.jpg', 100, 2000));
    const p = await plan(entries, previous, { contentMode: true });
    await settleContentChecks(p, { entries, modelHash: MODEL.hash, maxPixels: MAX_PIXELS }, new Set([0]));
    expect(p.todo).toEqual([0]);
    expect(p.reuse.size).toBe(0);
  });
});

describe('reviewsToKeep', () => {
  const reviewed = { label: 'dog', at: '2026-01-01' };
  it('keeps a review while the file is unchanged (or has the same bytes), drops it otherwise', async () => {
    const previous = prevMap(rec('same.jpg', { reviewed }), rec('touched.jpg', { reviewed }), rec('bytes.jpg', { reviewed }), rec('grown.jpg', { reviewed }), rec('plain.jpg'));
    const entries = scan(entry('same.jpg'), entry('touched.jpg', 100, 2000), entry('bytes.jpg', 100, 2000), entry('grown.jpg', 200), entry('plain.jpg'));
    const kept = await reviewsToKeep([0, 1, 2, 3, 4], entries, previous, new Map(), new Set([2]));
    expect([...kept.keys()]).toEqual(['same.jpg', 'bytes.jpg']);
    expect(kept.get('same.jpg')).toEqual(reviewed);
  });

  it('a --full run finds reviews in the reviewed-only records; previous results win where both exist', async () => {
    const other = { label: 'bird', at: 'later' };
    const reviewedOnly = prevMap(rec('a.jpg', { reviewed }), rec('b.jpg', { reviewed }));
    const previous = prevMap(rec('b.jpg', { reviewed: other }));
    const kept = await reviewsToKeep([0, 1], scan(entry('a.jpg'), entry('b.jpg')), previous, reviewedOnly, new Set());
    expect(kept).toEqual(new Map([['a.jpg', reviewed], ['b.jpg', other]]));
  });
});

describe('mergePrevious: the labels file, then the journal on top', () => {
  const reviewed = { label: 'dog', at: 't1' };
  it('journal lines replace the file records and are counted as resumed; torn and foreign lines are skipped', async () => {
    const fromJournal = toJsonLine(rec('a.jpg', { label: 'owl', mtime: 5000 }));
    const { previous, resumed } = await mergePrevious([rec('a.jpg'), rec('b.jpg')], [fromJournal, '{"path":"x.jpg"', 'not json', '', toJsonLine(rec('c.jpg'))]);
    expect(resumed).toBe(2);
    expect(previous.get('a.jpg')).toBe(fromJournal);
    expect(previous.get('b.jpg')).toBe(toJsonLine(rec('b.jpg')));
    expect([...previous.keys()]).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
  });

  it("the labels file's review wins over the journal's for the same file (added, changed or removed)", async () => {
    const journal = [toJsonLine(rec('added.jpg')), toJsonLine(rec('removed.jpg', { reviewed })), toJsonLine(rec('changed.jpg', { reviewed }))];
    const file = [rec('added.jpg', { reviewed }), rec('removed.jpg'), rec('changed.jpg', { reviewed: { label: 'bird', at: 't2' } })];
    const { previous } = await mergePrevious(file, journal);
    expect(parseJsonLine(previous.get('added.jpg')!)!.reviewed).toEqual(reviewed);
    expect(parseJsonLine(previous.get('removed.jpg')!)!.reviewed).toBeUndefined();
    expect(parseJsonLine(previous.get('changed.jpg')!)!.reviewed).toEqual({ label: 'bird', at: 't2' });
  });

  it('a review with the same label keeps the journal line as it is (only the label is compared)', async () => {
    const line = toJsonLine(rec('a.jpg', { reviewed }));
    const { previous } = await mergePrevious([rec('a.jpg', { reviewed: { label: 'dog', at: 'other time' } })], [line]);
    expect(previous.get('a.jpg')).toBe(line);
  });

  it("the file's review does not follow a file that changed (other size, or other mtime without the same hash)", async () => {
    const grown = toJsonLine(rec('a.jpg', { size: 200 }));
    const touched = toJsonLine(rec('b.jpg', { mtime: 2000, sha256: SHA_B }));
    const { previous } = await mergePrevious([rec('a.jpg', { reviewed }), rec('b.jpg', { reviewed, sha256: SHA_A })], [grown, touched]);
    expect(previous.get('a.jpg')).toBe(grown);
    expect(previous.get('b.jpg')).toBe(touched);
  });

  it('same size and same hash under a new mtime count as the same file: the review follows', async () => {
    const touched = toJsonLine(rec('a.jpg', { mtime: 2000, sha256: SHA_A }));
    const { previous } = await mergePrevious([rec('a.jpg', { reviewed, sha256: SHA_A })], [touched]);
    expect(parseJsonLine(previous.get('a.jpg')!)!.reviewed).toEqual(reviewed);
  });

  it('yields to the caller every 2000 records', async () => {
    let pauses = 0;
    const records = Array.from({ length: 4000 }, (_, i) => rec(`${i}.jpg`));
    await mergePrevious(records, records.map((r) => toJsonLine(r)), async () => {
      pauses++;
    });
    expect(pauses).toBe(4);
  });
});
