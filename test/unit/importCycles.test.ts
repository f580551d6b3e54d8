import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { findCycles, importGraph, tsFiles } from '../../scripts/import-cycles.mjs';

const ROOT = join(__dirname, '..', '..');

describe('import graph', () => {
  it('has no import cycles in src/ or webview/', () => {
    const files = ['src', 'webview'].flatMap((d) => tsFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(50);
    const cycles: string[][] = findCycles(importGraph(files));
    expect(cycles.map((c) => c.map((f) => f.slice(ROOT.length + 1)).join(' <-> '))).toEqual([]);
  });

  it('finds a cycle, type-only imports included, and ignores packages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-cycles-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './sub/b';\nimport * as fs from 'node:fs';\nexport const a = b;\n");
    writeFileSync(join(dir, 'sub', 'b.ts'), "import type { C } from '../c';\nexport const b = 1;\n");
    writeFileSync(join(dir, 'c.ts'), "export type C = number;\nexport { a } from './a';\n");
    writeFileSync(join(dir, 'd.ts'), "import './c';\n");
    const cycles: string[][] = findCycles(importGraph(tsFiles(dir)));
    expect(cycles).toHaveLength(1);
    expect(cycles[0].map((f) => f.slice(dir.length + 1)).sort()).toEqual(['a.ts', 'c.ts', 'sub/b.ts']);
  });
});
