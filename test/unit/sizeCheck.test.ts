import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { ALLOWED, MAX_FILE_LINES, MAX_FUNCTION_LINES, checkTree, oversized, sizeReason } from '../../scripts/size-check.mjs';

const ROOT = join(__dirname, '..', '..');
const body = (n: number) => Array.from({ length: n }, (_, i) => `  x += ${i};`).join('\n');

describe('size limits', () => {
  it('no file in src/ or webview/ over the limits without a reason', () => {
    expect(checkTree(ROOT)).toEqual([]);
    for (const reason of (ALLOWED as Map<string, string>).values()) expect(reason).toMatch(/\S/);
  });

  it('finds a long function (nested ones inside their parent too), and a long file', () => {
    const fine = `function short() {\n  let x = 0;\n${body(MAX_FUNCTION_LINES - 4)}\n  return x;\n}\n`;
    expect(oversized(fine, 'a.ts')).toEqual([]);
    const long = `export class A {\n  method(): number {\n    let x = 0;\n${body(MAX_FUNCTION_LINES)}\n    return x;\n  }\n}\n`;
    expect(oversized(long, 'a.ts')).toEqual([{ what: 'function method at line 2', lines: MAX_FUNCTION_LINES + 4 }]);
    const arrow = `const run = async () => {\n  let x = 0;\n  const inner = () => 1;\n${body(MAX_FUNCTION_LINES)}\n};\n`;
    expect(oversized(arrow, 'a.ts').map((p: { what: string }) => p.what)).toEqual(['function run at line 1']);
    const many = Array.from({ length: MAX_FILE_LINES + 1 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
    expect(oversized(many, 'a.ts')).toEqual([{ what: 'file', lines: MAX_FILE_LINES + 1 }]);
  });

  it('reads the one-line reason at the top of a file', () => {
    expect(sizeReason('// size: one generated table\nconst a = 1;')).toBe('one generated table');
    expect(sizeReason('const a = 1;\n// size: too late')).toBeUndefined();
    expect(sizeReason('// size:\n')).toBeUndefined();
  });
});
