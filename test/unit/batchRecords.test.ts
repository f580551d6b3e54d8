import { describe, expect, it } from 'vitest';
import { CSV_HEADER, type LabelRecord, parseCsv, parseLabelsText, parseLabelsTextSliced, toCsvLine, toJsonLine } from '../../src/core/batch/records';

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
