#!/usr/bin/env node
// Size limits for the source in src/ and webview/: no file over MAX_FILE_LINES lines and no
// function (declaration, method, arrow or expression, nested ones included in their parent's
// span) over MAX_FUNCTION_LINES lines. A file is exempt when its first line is
// `// size: <reason>`; files other work owns are listed in ALLOWED below, each with its reason.
// Usage: node scripts/size-check.mjs [folder...]   exit 1 when something is too long.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 80;

/** Files exempt from the limits for now (paths from the repository root), with why. */
export const ALLOWED = new Map([
  ['src/core/batch/workerPool.ts', 'ensure() (86 lines) starts a worker and wires its five events in one place; to split next'],
  ['src/vscode/panel/panelHtml.ts', "one HTML template: the classify panel's markup, read top to bottom"],
]);

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;

export function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The first line's `// size: <reason>`, or undefined. */
export function sizeReason(text) {
  return /^\/\/ size: (\S.*)$/.exec(text.split('\n', 1)[0])?.[1];
}

function functionName(node, sf) {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

/** What is too long in one file's text: [{what, lines}] (what: 'file', or 'function <name> at line N'). */
export function oversized(text, fileName = 'x.ts') {
  const found = [];
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES) found.push({ what: 'file', lines });
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : undefined);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const span = end - start + 1;
      if (span > MAX_FUNCTION_LINES) found.push({ what: `function ${functionName(node, sf)} at line ${start + 1}`, lines: span });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every problem under `root`'s folders, as lines of text (paths from `root`). */
export function checkTree(root, dirs = ['src', 'webview'], allowed = ALLOWED) {
  const problems = [];
  for (const file of dirs.flatMap((d) => sourceFiles(resolve(root, d)))) {
    const rel = relative(root, file).split('\\').join('/');
    const text = readFileSync(file, 'utf8');
    if (allowed.has(rel) || sizeReason(text)) continue;
    for (const p of oversized(text, file)) problems.push(`${rel}: ${p.what} has ${p.lines} lines (limit ${p.what === 'file' ? MAX_FILE_LINES : MAX_FUNCTION_LINES})`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['src', 'webview'];
  const problems = checkTree(root, dirs);
  for (const p of problems) console.log(p);
  console.log(problems.length ? `${problems.length} size problem(s)` : 'sizes within limits');
  process.exit(problems.length ? 1 : 0);
}
