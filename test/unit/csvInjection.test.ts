/**
 * labels.csv must not carry spreadsheet formulas (issue 15, defect 5): cells starting with
 * = + - @ tab or CR are written with a leading apostrophe, which the reader removes again,
 * so the JSONL and a CSV round trip keep the true value.
 */
import { describe, expect, it } from 'vitest';
import { parseLabelsText, toCsvLine, toJsonLine, CSV_HEADER, type LabelRecord } from '../../src/core/labelsFile/records';

const HOSTILE = ['@SUM(1,2)', "+1+cmd|' /C calc'!A0", '=HYPERLINK("http://x")', '-2+3', '\tTAB', '\rCR', "'=already", "''+two", "'plain"];

function rec(path: string, label: string): LabelRecord {
  return { path, label, score: 0.5, topk: [{ label, score: 0.5 }], model: { name: label, hash: '0123456789abcdef' }, size: 1, mtime: 2, reviewed: { label, at: '+now' } };
}

describe('CSV formula injection', () => {
  it('no written cell starts with a formula character', () => {
    for (const v of HOSTILE) {
      const line = toCsvLine(rec(`${v}.jpg`, v));
      const cells = parseLabelsText(`${CSV_HEADER}\n${line}\n`, 'csv');
      expect(cells).toHaveLength(1);
      // Every raw cell (quotes stripped) that came from text starts safely.
      for (const cell of line.split(',').map((c) => c.replace(/^"/, ''))) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    expect(toCsvLine(rec('+cmd.jpg', 'cat'))).toMatch(/^'\+cmd\.jpg,/);
  });

  it('round trip: reading the CSV gives the true values, as the JSONL has them', () => {
    const records = HOSTILE.map((v, i) => rec(`${v}-${i}.jpg`, v));
    const csv = `${CSV_HEADER}\n${records.map((r) => toCsvLine(r) + '\n').join('')}`;
    const jsonl = records.map((r) => toJsonLine(r) + '\n').join('');
    const fromCsv = parseLabelsText(csv, 'csv');
    const fromJsonl = parseLabelsText(jsonl, 'jsonl');
    expect(fromCsv.map((r) => [r.path, r.label, r.model.name, r.reviewed?.label, r.reviewed?.at])).toEqual(
      records.map((r) => [r.path, r.label, r.model.name, r.reviewed?.label, r.reviewed?.at]),
    );
    expect(fromJsonl.map((r) => r.path)).toEqual(records.map((r) => r.path));
    expect(jsonl).toContain('"path":"@SUM(1,2)-0.jpg"');
  });
});
