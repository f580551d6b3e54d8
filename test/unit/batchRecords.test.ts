import { describe, expect, it } from 'vitest';
import { CSV_HEADER, LEGACY_CSV_HEADER, type LabelRecord, looksLikeOurs, parseCsv, parseJsonLine, parseLabelsText, parseLabelsTextSliced, recordFromCsvRow, toCsvLine, toJsonLine } from '../../src/core/labelsFile/records';

const rec = (i: number): LabelRecord => ({
  path: i % 7 === 0 ? `odd, "name"\n${i}.jpg` : `d/${i}.jpg`,
  label: i % 2 ? 'cat' : 'dog',
  score: 0.5,
  topk: [{ label: i % 2 ? 'cat' : 'dog', score: 0.5 }],
  model: { name: 'm', hash: '0123456789abcdef' },
  size: i,
  mtime: i,
  ...(i % 5 === 0 ? { reviewed: { label: 'bird', at: 'now' } } : {}),
});

describe('labels file parsing in slices', () => {
  it('CSV rows: quotes, doubled quotes, commas, CRLF and newlines in fields, empty trailing fields', () => {
    expect(parseCsv('a,"b,c","d""e"\r\n"x\ny",,\nlast')).toEqual([
      ['a', 'b,c', 'd"e'],
      ['x\ny', '', ''],
      ['last'],
    ]);
    expect(parseCsv('a,\n')).toEqual([['a', '']]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('"ab"cd,e')).toEqual([['abcd', 'e']]);
  });

  it('gives the same records as the one-shot parse and yields to the event loop while parsing (CSV and JSONL)', async () => {
    const recs = Array.from({ length: 20_000 }, (_, i) => rec(i));
    const csv = [CSV_HEADER, ...recs.map(toCsvLine)].join('\n') + '\n';
    const jsonl = recs.map((r) => toJsonLine(r) + '\n').join('');
    for (const [text, format] of [
      [csv, 'csv'],
      [jsonl, 'jsonl'],
    ] as const) {
      let pauses = 0;
      const got = await parseLabelsTextSliced(text, format, async () => {
        pauses++;
        await new Promise((r) => setImmediate(r));
      });
      expect(got).toEqual(parseLabelsText(text, format));
      expect(got.length).toBe(20_000);
      expect(pauses).toBeGreaterThanOrEqual(9);
    }
  });
});

describe('the sha256 field (content mode)', () => {
  const H = (i: number) => i.toString(16).padStart(2, '0').repeat(32);
  const withHash = (i: number): LabelRecord => ({ ...rec(i), sha256: H(i) });
  const errorRow: LabelRecord = {
    path: 'bad, "x".jpg',
    error: { code: 'corrupt', message: 'bad' },
    model: { name: 'm', hash: '0123456789abcdef' },
    size: 3,
    mtime: 4,
    sha256: 'ab'.repeat(32),
  };

  it('round-trips through JSONL and CSV, on labeled and error rows, next to rows without it', async () => {
    const recs = [...Array.from({ length: 12 }, (_, i) => (i % 3 ? withHash(i) : rec(i))), errorRow];
    const jsonl = recs.map((r) => toJsonLine(r) + '\n').join('');
    const csv = [CSV_HEADER, ...recs.map(toCsvLine)].join('\n') + '\n';
    for (const [text, format] of [
      [jsonl, 'jsonl'],
      [csv, 'csv'],
    ] as const) {
      const back = parseLabelsText(text, format);
      expect(back.map((r) => r.sha256), format).toEqual(recs.map((r) => r.sha256));
      expect(back[back.length - 1].error, format).toEqual(errorRow.error);
      expect(await parseLabelsTextSliced(text, format, async () => undefined), format).toEqual(back);
      // Writing what was read gives the same text again.
      const again = format === 'csv' ? [CSV_HEADER, ...back.map(toCsvLine)].join('\n') + '\n' : back.map((r) => toJsonLine(r) + '\n').join('');
      expect(again, format).toBe(text);
    }
    // JSONL: last key, absent when not hashed (so older records stay byte-identical); CSV: the column after mtime, empty.
    expect(Object.keys(JSON.parse(toJsonLine(withHash(1)))).at(-1)).toBe('sha256');
    expect(toJsonLine(rec(1))).not.toContain('sha256');
    expect(CSV_HEADER.endsWith(',mtime,sha256,given,given_score,suspect')).toBe(true);
    expect(toCsvLine(rec(1)).endsWith(',1,1,,,,')).toBe(true);
    expect(toCsvLine(withHash(1)).endsWith(`,1,1,${H(1)},,,`)).toBe(true);
  });

  it('reads CSV files written before the column existed, and still knows them for ours', () => {
    const recs = [rec(1), rec(7)];
    const legacy = [LEGACY_CSV_HEADER, ...recs.map((r) => toCsvLine(r).replace(/,,,,$/, ''))].join('\r\n') + '\r\n';
    expect(LEGACY_CSV_HEADER).toBe(CSV_HEADER.replace(/,sha256,given,given_score,suspect$/, ''));
    expect(looksLikeOurs(legacy, 'csv')).toBe(true);
    const back = parseLabelsText(legacy, 'csv');
    expect(back).toEqual(parseLabelsText([CSV_HEADER, ...recs.map(toCsvLine)].join('\n'), 'csv'));
    expect(back.map((r) => r.path)).toEqual(recs.map((r) => r.path));
    expect(back.every((r) => r.sha256 === undefined)).toBe(true);
    // A row must have as many cells as its file's header.
    expect(recordFromCsvRow(parseCsv(toCsvLine(rec(1)).replace(/,$/, ''))[0])).toBeUndefined();
  });

  it('drops a value that is not a hash we could have written', () => {
    for (const bad of ['ABCD'.repeat(16), 'ab'.repeat(31), 42, '']) {
      const line = JSON.stringify({ ...JSON.parse(toJsonLine(rec(2))), sha256: bad });
      const r = parseJsonLine(line)!;
      expect(r.path, String(bad)).toBe('d/2.jpg');
      expect(r.sha256, String(bad)).toBeUndefined();
      expect(toJsonLine({ ...rec(2), sha256: bad as string })).toBe(toJsonLine(rec(2)));
    }
    const row = parseCsv(toCsvLine(rec(3)).replace(/,,,,$/, ',not-a-hash,,,'))[0];
    expect(recordFromCsvRow(row)!.sha256).toBeUndefined();
  });
});

describe('the given-label fields (class-subfolder folders)', () => {
  const withGiven = (i: number): LabelRecord => ({ ...rec(i), given: i % 3 ? 'cat' : '=HYPERLINK("x")', givenScore: 0.25, suspect: 0.125 });

  it('round-trip through JSONL and CSV next to records without them, which stay as they were', () => {
    const recs = Array.from({ length: 9 }, (_, i) => (i % 2 ? withGiven(i) : rec(i)));
    const jsonl = recs.map((r) => toJsonLine(r) + '\n').join('');
    const csv = [CSV_HEADER, ...recs.map(toCsvLine)].join('\n') + '\n';
    for (const [text, format] of [
      [jsonl, 'jsonl'],
      [csv, 'csv'],
    ] as const) {
      const back = parseLabelsText(text, format);
      expect(back.map((r) => [r.given, r.givenScore, r.suspect]), format).toEqual(recs.map((r) => [r.given, r.givenScore, r.suspect]));
    }
    expect(toJsonLine(rec(2))).not.toContain('given');
    expect(Object.keys(JSON.parse(toJsonLine(withGiven(1))))).toEqual(
      ['path', 'label', 'score', 'topk', 'given', 'givenScore', 'suspect', 'model', 'size', 'mtime'],
    );
    // A class name a spreadsheet would run is text in the CSV.
    expect(toCsvLine(withGiven(3))).toContain(`'=HYPERLINK`);
  });

  it('reads CSV files written before the columns existed', () => {
    const recs = [rec(1), { ...rec(2), sha256: 'cd'.repeat(32) }];
    const header = CSV_HEADER.replace(/,given,given_score,suspect$/, '');
    const old = [header, ...recs.map((r) => toCsvLine(r).replace(/,,,$/, ''))].join('\n') + '\n';
    expect(looksLikeOurs(old, 'csv')).toBe(true);
    expect(parseLabelsText(old, 'csv')).toEqual(recs);
  });

  it('drops values a hand-edited file may hold that we could not have written', () => {
    const base = JSON.parse(toJsonLine(withGiven(1)));
    for (const [field, bad] of [['givenScore', 2], ['givenScore', 'x'], ['suspect', -1], ['suspect', null], ['given', 7]] as const) {
      const r = parseJsonLine(JSON.stringify({ ...base, [field]: bad }))!;
      expect(r.path, `${field}=${bad}`).toBe('d/1.jpg');
      expect(r[field as keyof LabelRecord], `${field}=${bad}`).toBeUndefined();
    }
    // Without a given label, no score of it.
    const r = parseJsonLine(JSON.stringify({ ...base, given: undefined }))!;
    expect([r.givenScore, r.suspect]).toEqual([undefined, undefined]);
    const row = parseCsv(toCsvLine(withGiven(1)).replace(/0\.125$/, 'NaN'))[0];
    expect(recordFromCsvRow(row)!.suspect).toBeUndefined();
  });
});
