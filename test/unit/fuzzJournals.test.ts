/**
 * Fuzz-style: thousands of random and mutated sort journals and labels files (paths with
 * "..", absolute paths, symbolic links, long names, invalid JSON, duplicate seqs, hostile
 * class names) are undone and sorted on a scratch folder. Whatever they say, nothing
 * outside the scratch folder (and its own `-sorted` destination) may change: a sentinel
 * tree beside it, reachable through links and `..`, is hashed before and after.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toJsonLine, type LabelRecord } from '../../src/core/labelsFile/records';
import { sortIntoClassFolders, sortsDir, undoLastSort } from '../../src/core/batch/sort';
import { snapshotTree, tmpDir } from '../fixtures/hostile/helpers';

beforeAll(() => {
  process.env.RCNN_LENS_STATE_HOME = tmpDir('rl-fuzz-statehome-');
});

/** A small deterministic generator, so a failure can be replayed from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, pick, int: (n: number) => Math.floor(next() * n) };
}

function makeTree(): { base: string; scratch: string; sentinel: string } {
  const base = tmpDir('rl-fuzz-');
  const scratch = path.join(base, 'scratch');
  const sentinel = path.join(base, 'sentinel');
  for (const d of ['a', 'b/c', 'cat']) mkdirSync(path.join(scratch, d), { recursive: true });
  for (const d of ['x', 'y/z', 'cat']) mkdirSync(path.join(sentinel, d), { recursive: true });
  for (const f of ['a/1.jpg', 'a/2.jpg', 'b/c/3.jpg', 'cat/4.jpg', '5.jpg']) writeFileSync(path.join(scratch, f), `scratch ${f}`);
  for (const f of ['x/secret.jpg', 'y/z/deep.jpg', 'cat/mine.jpg', 'top.jpg', 'labels.jsonl']) writeFileSync(path.join(sentinel, f), `sentinel ${f}`);
  symlinkSync(sentinel, path.join(scratch, 'link'));
  symlinkSync(path.join(sentinel, 'x'), path.join(scratch, 'dog'));
  symlinkSync(path.join(sentinel, 'top.jpg'), path.join(scratch, 'top.jpg'));
  return { base, scratch, sentinel };
}

function hashTree(dir: string): string {
  return createHash('sha256').update(JSON.stringify(snapshotTree(dir, () => false))).digest('hex');
}

function pathPieces(t: { base: string; scratch: string; sentinel: string }): string[] {
  return [
    'a/1.jpg', 'a/2.jpg', 'b/c/3.jpg', 'cat/4.jpg', '5.jpg', 'top.jpg', 'link/x/secret.jpg', 'link/top.jpg', 'dog/secret.jpg',
    '../sentinel/top.jpg', '../../etc/passwd', 'a/../../sentinel/x/secret.jpg', '.rcnn-lens/state.json', '.git/config',
    `${t.sentinel}/top.jpg`, `${t.sentinel}/x`, t.sentinel, t.base, '/', 'x'.repeat(300), 'a\u0000b.jpg', 'a\\..\\..\\x.jpg', 'ünï/ço.jpg', '',
  ];
}

const LABELS = ['cat', 'dog', '.git', '.rcnn-lens', '..', '.', 'a/b', 'CON', 'link', 'x ', '_review', 'ok'];

function randomJournal(r: ReturnType<typeof rng>, t: ReturnType<typeof makeTree>): string {
  const pieces = pathPieces(t);
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(r.pick([t.scratch, `${t.scratch}-sorted`, t.sentinel, t.base]), p));
  const lines: string[] = [];
  const header = {
    kind: 'header', version: 1,
    folder: r.pick([t.scratch, t.scratch, `${t.scratch}/`, t.sentinel, '/']),
    dest: r.pick([t.scratch, `${t.scratch}-sorted`, t.sentinel, '/', t.base, path.join(t.scratch, 'link')]),
    mode: r.pick(['move', 'copy', 'bogus']),
    labelsFile: abs(r.pick(['labels.jsonl', ...pieces])),
    labelsFiles: r.next() < 0.5 ? undefined : [abs(r.pick(['labels.jsonl', ...pieces])), abs(r.pick(pieces))],
    followSymlinks: r.next() < 0.3,
    startedAt: 'x',
    seal: r.next() < 0.2 ? 'ab'.repeat(32) : undefined,
  };
  lines.push(JSON.stringify(header));
  const n = 1 + r.int(6);
  for (let i = 0; i < n; i++) {
    const seq = r.int(4); // duplicates on purpose
    const op = r.pick(['move', 'copy', 'mkdir', 'rm']);
    const to = r.next() < 0.5 ? path.join(r.pick([t.scratch, `${t.scratch}-sorted`]), r.pick(LABELS), r.pick(['4.jpg', 'mine.jpg', 'secret.jpg'])) : abs(r.pick(pieces));
    lines.push(JSON.stringify({ kind: 'op', seq, op, from: abs(r.pick(pieces)), to: op === 'mkdir' ? path.dirname(to) : to }));
    if (r.next() < 0.7) lines.push(JSON.stringify({ kind: 'done', seq }));
  }
  if (r.next() < 0.5) lines.push(JSON.stringify({ kind: 'labels', rewritten: true }));
  if (r.next() < 0.3) lines.push('{"kind":"op","seq":9,"op":"move","from":'); // torn
  if (r.next() < 0.2) lines.splice(r.int(lines.length), 0, 'not json at all');
  let text = lines.join('\n') + '\n';
  // Mutations: flip a few characters of an otherwise plausible journal.
  if (r.next() < 0.3) {
    const chars = [...text];
    for (let k = 0; k < 3; k++) chars[r.int(chars.length)] = r.pick(['.', '/', '"', '\\', '}', '0']);
    text = chars.join('');
  }
  return text;
}

function randomLabels(r: ReturnType<typeof rng>, t: ReturnType<typeof makeTree>): string {
  const pieces = pathPieces(t);
  const records: string[] = [];
  const n = 1 + r.int(5);
  for (let i = 0; i < n; i++) {
    const label = r.pick(LABELS);
    const rec: LabelRecord = { path: r.pick(pieces), label, score: r.next(), topk: [{ label, score: 0.5 }], model: { name: 'm', hash: '0123456789abcdef' }, size: 1, mtime: 1 };
    if (r.next() < 0.2) rec.reviewed = { label: r.pick(LABELS), at: 'x' };
    records.push(r.next() < 0.1 ? '{"path":' : toJsonLine(rec));
  }
  return records.join('\n') + '\n';
}

describe('fuzz: journals and labels files never reach outside the folder', () => {
  it('thousands of hostile journals and labels files leave the sentinel tree unchanged', async () => {
    const t = makeTree();
    const before = hashTree(t.sentinel);
    const r = rng(15);
    const journals = 1500;
    const labelsFiles = 700;
    for (let i = 0; i < journals; i++) {
      rmSync(sortsDir(t.scratch), { recursive: true, force: true });
      mkdirSync(sortsDir(t.scratch), { recursive: true });
      writeFileSync(path.join(sortsDir(t.scratch), `9999-${String(i).padStart(5, '0')}.jsonl`), randomJournal(r, t));
      await undoLastSort(t.scratch).catch(() => undefined);
    }
    const labels = path.join(t.scratch, 'labels.jsonl');
    for (let i = 0; i < labelsFiles; i++) {
      writeFileSync(labels, randomLabels(r, t));
      const mode = r.pick(['move', 'copy'] as const);
      await sortIntoClassFolders({ folder: t.scratch, labelsFile: labels, mode, reviewThreshold: r.pick([0, 0.5]), followSymlinks: r.next() < 0.3 }).catch(() => undefined);
      if (r.next() < 0.5) await undoLastSort(t.scratch).catch(() => undefined);
    }
    expect(hashTree(t.sentinel)).toBe(before);
    // Nothing was written beside the two folders either.
    expect(readdirSync(t.base).sort()).toEqual(['scratch', 'scratch-sorted', 'sentinel'].filter((n) => n !== 'scratch-sorted' || readdirSync(t.base).includes(n)));
  }, 60_000);
});
