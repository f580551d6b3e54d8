/**
 * A small glob matcher for include/exclude settings (no dependency, no experimental Node API):
 * `**` any number of path segments, `*` and `?` within a segment, `[abc]`/`[!a-z]` classes,
 * `{a,b}` alternatives. Paths are relative with forward slashes. Matching is case-sensitive
 * except on Windows and macOS, where file systems usually are not.
 */
const cache = new Map<string, RegExp>();

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

export function globToRegExp(glob: string, caseInsensitive = process.platform === 'win32' || process.platform === 'darwin'): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}:${glob}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let re = '';
  let i = 0;
  let braceDepth = 0;
  const g = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  while (i < g.length) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        const atStart = i === 0 || g[i - 1] === '/';
        const atEnd = i + 2 === g.length || g[i + 2] === '/';
        if (atStart && atEnd) {
          // `**/` matches zero or more whole segments; a trailing `**` matches everything below.
          if (i + 2 === g.length) {
            re += '.*';
            i += 2;
          } else {
            re += '(?:[^/]*/)*';
            i += 3;
          }
          continue;
        }
        re += '[^/]*';
        i += 2;
        continue;
      }
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = g.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
      } else {
        let body = g.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      braceDepth++;
      re += '(?:';
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--;
      re += ')';
    } else if (c === ',' && braceDepth > 0) {
      re += '|';
    } else {
      re += escapeRe(c);
    }
    i++;
  }
  const out = new RegExp(`^${re}$`, caseInsensitive ? 'i' : '');
  cache.set(key, out);
  return out;
}

export function matchesGlob(relPath: string, glob: string): boolean {
  return globToRegExp(glob).test(relPath);
}

export function matchesAny(relPath: string, globs: readonly string[]): boolean {
  for (const g of globs) if (matchesGlob(relPath, g)) return true;
  return false;
}

/**
 * Whether a directory can be skipped: an exclude pattern matches everything under it
 * (e.g. `**\/node_modules/**` matches `node_modules/x`), tested with a probe child path.
 */
export function excludesDirectory(relDir: string, excludes: readonly string[]): boolean {
  const probe = `${relDir}/\u0000probe`;
  for (const g of excludes) {
    if (!g.endsWith('/**')) continue;
    if (globToRegExp(g).test(probe)) return true;
  }
  return false;
}
