import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ScanEntry } from '../../src/core/folder/scanList';
import { scanFolder } from '../../src/core/folder/scan';
import { STATE_DIR } from '../../src/core/folder/safePath';
import { ScanList } from '../../src/core/folder/scanList';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const root = mkdtempSync(path.join(os.tmpdir(), 'rl-scan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * A folder with more entries per level than the scan keeps stats in flight (32), nested folders
 * whose names sort between files, and every kind of entry the scan has a rule for.
 */
function makeFolder(): string {
  const dir = path.join(root, 'data');
  mkdirSync(dir);
  for (let i = 0; i < 150; i++) writeFileSync(path.join(dir, `img-${String(i).padStart(3, '0')}.jpg`), 'x');
  for (const sub of ['img-050-dir', 'a', 'z/deep/er']) {
    mkdirSync(path.join(dir, sub), { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, sub, `f${i}.png`), 'x');
  }
  writeFileSync(path.join(dir, 'no-extension'), PNG_MAGIC); // recognised by its bytes
  writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  mkdirSync(path.join(dir, STATE_DIR));
  writeFileSync(path.join(dir, STATE_DIR, 'journal.jpg'), 'x'); // our state folder is never scanned
  mkdirSync(path.join(dir, 'a', STATE_DIR, 'thumbs'), { recursive: true });
  writeFileSync(path.join(dir, 'a', STATE_DIR, 'thumbs', 't.jpg'), 'x'); // nor a sub-folder's (its review thumbnails)
  symlinkSync(path.join(dir, 'a'), path.join(dir, 'link-to-a')); // a second way into a: followed once only
  symlinkSync(dir, path.join(dir, 'z', 'loop')); // back to the root
  symlinkSync(path.join(dir, 'nowhere.jpg'), path.join(dir, 'dangling.jpg'));
  symlinkSync(path.join(dir, 'img-000.jpg'), path.join(dir, 'file-link.jpg'));
  return dir;
}

/** What the scan must return, computed by a plain synchronous walk with the same rules. */
function expectedOrder(dir: string, follow: boolean): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    const names = readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of names) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (d.name !== STATE_DIR) walk(path.join(abs, d.name), r);
      } else if (d.isFile()) {
        if (d.name !== 'notes.txt') out.push(r);
      } else if (d.isSymbolicLink() && follow) {
        if (d.name === 'dangling.jpg' || d.name === 'file-link.jpg') out.push(r);
        // link-to-a leads into a folder scanned before it sorts (a < link-to-a); loop leads to the root
      }
    }
  };
  walk(dir, '');
  return out;
}

const dir = makeFolder();

describe.each([
  ['stats through the thread pool', false],
  ['inline stats (command line)', true],
])('folder scan, %s', (_name, inlineStat) => {

  it('returns every image depth-first in name order, with stats in flight ahead of the walk', async () => {
    const warnings: string[] = [];
    const entries = [...(await scanFolder(dir, { followSymlinks: true, inlineStat, onWarning: (m) => warnings.push(m) }))];
    expect(entries.map((e) => e.rel)).toEqual(expectedOrder(dir, true));
    expect(entries.length).toBe(150 + 3 * 40 + 1 + 2);
    const byRel = new Map(entries.map((e) => [e.rel, e]));
    expect(byRel.get('img-007.jpg')).toMatchObject({ size: 1 });
    expect(byRel.get('no-extension')).toMatchObject({ size: PNG_MAGIC.length });
    expect(byRel.get('dangling.jpg')?.problem).toEqual({ code: 'not_found', message: 'symbolic link points to nothing' });
    expect(byRel.get('file-link.jpg')?.problem).toBeUndefined();
    expect(warnings.some((w) => w.includes('link-to-a'))).toBe(true);
    expect(warnings.some((w) => w.includes('z/loop'))).toBe(true);
  });

  it('skips symbolic links unless asked to follow them', async () => {
    const entries = [...(await scanFolder(dir, { inlineStat }))];
    expect(entries.map((e) => e.rel)).toEqual(expectedOrder(dir, false));
    expect(entries.some((e) => e.problem)).toBe(false);
  });

  it('applies include and exclude globs', async () => {
    const entries = [...(await scanFolder(dir, { include: ['z/**'], exclude: ['**/f1*.png'], inlineStat }))];
    const rels = entries.map((e) => e.rel);
    expect(rels.length).toBe(40 - 11); // f1, f10..f19 excluded
    expect(rels.every((r) => r.startsWith('z/deep/er/') && !/\/f1\d?\.png$/.test(r))).toBe(true);
  });
});

it('inline stats still give the event loop a turn every few milliseconds', async () => {
  // A timer due every millisecond keeps firing while the scan runs (the CLI's progress line, IPC with
  // the workers): the longest gap between its ticks is a slice, not the whole scan.
  const big = path.join(root, 'big');
  mkdirSync(big);
  for (let i = 0; i < 6000; i++) writeFileSync(path.join(big, `${i}.jpg`), 'x');
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  const t = performance.now();
  last = t;
  const entries = await scanFolder(big, { inlineStat: true });
  const end = performance.now();
  clearInterval(timer);
  maxGap = Math.max(maxGap, end - last);
  expect(entries.length).toBe(6000);
  // 6,000 stats take tens of milliseconds even on a fast machine; a scan that never yields shows one gap as long as itself
  expect(end - t).toBeGreaterThan(20);
  expect(maxGap).toBeLessThan((end - t) / 2);
});

describe('ScanList (the scan result, stored by column)', () => {
  it('gives back every entry as pushed, past its initial capacity, with non-ASCII paths and problems', () => {
    const list = new ScanList();
    const want: ScanEntry[] = [];
    for (let i = 0; i < 5000; i++) {
      const e: ScanEntry = { rel: `dossier-é/${'ü'.repeat(i % 40)}/bild-${i}.jpg`, size: i * 1_000_003, mtimeMs: 1.7e12 + i };
      if (i % 997 === 0) e.problem = { code: 'unreadable', message: `EACCES ${i}` };
      list.push(e);
      want.push(e);
    }
    expect(list.length).toBe(5000);
    expect([...list]).toEqual(want);
    expect(list.rel(4999)).toBe(want[4999].rel);
    expect(list.get(997)).toEqual(want[997]);
    expect(() => list.get(5000)).toThrow(RangeError);
    const odd = list.filter((e) => e.size % 2 === 1);
    expect([...odd]).toEqual(want.filter((e) => e.size % 2 === 1));
  });
});
