import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/core/folder/fsutil';
import { excludesDirectory, matchesGlob } from '../../src/core/folder/glob';
import { CSV_HEADER, type LabelRecord, looksLikeOurs, parseCsv, parseLabelsText, recordFromCsvRow, toCsvLine, toJsonLine } from '../../src/core/labelsFile/records';
import { inShard, parseShard, pathHash } from '../../src/core/batch/shard';
import { sniffImageFormat } from '../../src/core/folder/sniff';
import { tmpDir } from '../fixtures/hostile/helpers';

describe('glob matcher', () => {
  it.each([
    ['a/b/c.jpg', '**/*.jpg', true],
    ['c.jpg', '**/*.jpg', true],
    ['a/b/c.png', '**/*.jpg', false],
    ['a/node_modules/x/y.jpg', '**/node_modules/**', true],
    ['node_modules/y.jpg', '**/node_modules/**', true],
    ['a/b.jpg', '*.jpg', false],
    ['b.jpg', '*.jpg', true],
    ['img/x1.jpeg', 'img/x?.{jpg,jpeg}', true],
    ['img/xy.png', 'img/x[!y].png', false],
    ['img/xa.png', 'img/x[a-c].png', true],
    ['a.b/c+d.jpg', 'a.b/c+d.jpg', true],
    ['a/b/c.jpg', 'a/**', true],
  ])('%s ~ %s = %s', (p, g, want) => {
    expect(matchesGlob(p, g)).toBe(want);
  });
  it('prunes excluded folders', () => {
    expect(excludesDirectory('src/.git', ['**/.git/**'])).toBe(true);
    expect(excludesDirectory('src/git', ['**/.git/**'])).toBe(false);
  });
});

describe('image sniffing', () => {
  it('recognises formats by magic bytes, not names', () => {
    expect(sniffImageFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('jpeg');
    expect(sniffImageFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('png');
    expect(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(sniffImageFormat(Buffer.from('GIF89a'))).toBe('gif');
    expect(sniffImageFormat(Buffer.from('hello world, not an image'))).toBeUndefined();
    expect(sniffImageFormat(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('shards', () => {
  it('parses K/N and rejects nonsense', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(() => parseShard('0/5')).toThrow();
    expect(() => parseShard('6/5')).toThrow();
    expect(() => parseShard('x')).toThrow();
  });
  it('covers every path exactly once, deterministically, roughly evenly', () => {
    const paths = Array.from({ length: 5000 }, (_, i) => `d${i % 17}/img_${i}.jpg`);
    const counts = [0, 0, 0, 0];
    for (const p of paths) {
      const owners = [1, 2, 3, 4].filter((k) => inShard(p, { index: k, count: 4 }));
      expect(owners.length).toBe(1);
      counts[owners[0] - 1]++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(1000);
    expect(pathHash('a/b.jpg')).toBe(pathHash('a/b.jpg'));
    // names that differ in pairs of characters still spread over 2 shards
    const two = Array.from({ length: 8 }, (_, i) => `s${i % 2}/${i}.jpg`).filter((p) => inShard(p, { index: 1, count: 2 }));
    expect(two.length).toBeGreaterThan(0);
    expect(two.length).toBeLessThan(8);
    expect(pathHash('a/b.jpg')).not.toBe(pathHash('a/c.jpg'));
  });
});

const rec = (p: string, extra: Partial<LabelRecord> = {}): LabelRecord => ({
  path: p,
  label: 'cat',
  score: 0.75,
  topk: [
    { label: 'cat', score: 0.75 },
    { label: 'dog', score: 0.2 },
  ],
  entropy: 0.6,
  margin: 0.55,
  model: { name: 'm', hash: 'abcdef0123456789' },
  size: 10,
  mtime: 20,
  ...extra,
});

describe('CSV', () => {
  it('escapes commas, quotes, newlines and edge spaces, and parses back identically', () => {
    const nasty = ['a,b.jpg', 'say "cheese".jpg', 'line\nbreak.jpg', ' lead.jpg', 'crlf\r\n.jpg', 'ünï©ødé 猫.jpg', '=cmd.jpg'];
    const records = nasty.map((p) => rec(p));
    records.push(rec('err,"x".jpg', { label: undefined, score: undefined, topk: undefined, error: { code: 'corrupt', message: 'bad, "very"\nbad' } }));
    records.push(rec('rev.jpg', { reviewed: { label: 'dog, actually', at: '2026-01-01T00:00:00Z' } }));
    const text = [CSV_HEADER, ...records.map(toCsvLine)].join('\n') + '\n';
    expect(toCsvLine(rec('a,b.jpg')).startsWith('"a,b.jpg",')).toBe(true);
    expect(toCsvLine(rec('say "cheese".jpg')).startsWith('"say ""cheese"".jpg",')).toBe(true);
    const back = parseLabelsText(text, 'csv');
    expect(back.map((r) => r.path)).toEqual(records.map((r) => r.path));
    expect(back[0].topk).toEqual(records[0].topk);
    expect(back[nasty.length].error).toEqual({ code: 'corrupt', message: 'bad, "very"\nbad' });
    expect(back[nasty.length + 1].reviewed?.label).toBe('dog, actually');
    const rows = parseCsv(text);
    expect(rows[0].join(',')).toBe(CSV_HEADER);
    expect(recordFromCsvRow(['too', 'few'])).toBeUndefined();
  });
});

describe('labels file records', () => {
  it('JSONL round trip with a stable key order', () => {
    const line = toJsonLine(rec('x.jpg'));
    expect(Object.keys(JSON.parse(line))).toEqual(['path', 'label', 'score', 'topk', 'entropy', 'margin', 'model', 'size', 'mtime']);
    expect(parseLabelsText(line + '\n{"torn":', 'jsonl')).toEqual([JSON.parse(line)]);
  });
  it('tells our files from a user file of the same name', () => {
    expect(looksLikeOurs(toJsonLine(rec('x.jpg')) + '\n', 'jsonl')).toBe(true);
    expect(looksLikeOurs('', 'jsonl')).toBe(true);
    expect(looksLikeOurs('{"file":"x.jpg","class":"cat"}\n', 'jsonl')).toBe(false);
    expect(looksLikeOurs('not json at all', 'jsonl')).toBe(false);
    expect(looksLikeOurs(CSV_HEADER + '\r\n', 'csv')).toBe(true);
    expect(looksLikeOurs('path,label\n', 'csv')).toBe(false);
  });
});

describe('atomic write', () => {
  it('replaces the file whole, and a failure mid-way leaves the old file and no temp file', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'labels.jsonl');
    writeFileSync(file, 'old\n');
    async function* failing() {
      yield 'new line 1\n'.repeat(200_000); // > 1 MiB: really written to the temp file before the failure
      throw new Error('disk on fire');
    }
    await expect(writeFileAtomic(file, failing())).rejects.toThrow('disk on fire');
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['labels.jsonl']);
    await writeFileAtomic(file, ['a\n', 'b\n']);
    expect(readFileSync(file, 'utf8')).toBe('a\nb\n');
    expect(readdirSync(dir)).toEqual(['labels.jsonl']);
    expect(existsSync(file)).toBe(true);
  });
});
