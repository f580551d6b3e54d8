/**
 * The one answer to "is this path safely inside this folder, on real paths, now".
 *
 * Paths in labels files, sort journals, state files and settings are data that may come
 * from elsewhere (a cloned repository). Reading their text is not enough: a folder inside
 * the user's folder may be a symbolic link to somewhere else. So every check here has two
 * layers: the spelling (no `..`, no absolute path escaping the root) and the real path of
 * what exists on disk at the moment of the check (`realpath` of the nearest existing
 * ancestor, and of the leaf when it is a link). Callers check right before they act.
 * Sort, undo, review write-back, output paths and journal replay all use this module;
 * nothing else compares path strings to decide confinement.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, realpath } from 'node:fs/promises';
import * as path from 'node:path';

/** RCNN Lens's own folder inside a labeled folder (journals, locks, thumbnails, state). */
export const STATE_DIR = '.rcnn-lens';

/** Opening flag that refuses a symbolic link as the last component (0 where the platform has none). */
export const O_NOFOLLOW: number = (constants as { O_NOFOLLOW?: number }).O_NOFOLLOW ?? 0;

export class UnsafePathError extends Error {
  readonly code = 'unsafe_path';
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/** `child` lies strictly under `parent` (by spelling, both resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel);
}

/** `child` is `parent` or lies under it (by spelling). */
export function isWithin(parent: string, child: string): boolean {
  return path.resolve(child) === path.resolve(parent) || isInside(parent, child);
}

/** `to` relative to `from` with forward slashes: how labels files and scan entries spell paths. */
export function toPosixRel(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/');
}

/**
 * The file of a labels-file record (a `/`-separated relative path) inside `folder`, by
 * spelling; undefined when it leaves the folder ("../x", an absolute path, NUL) or points
 * into our state folder. Real-path confinement is checked with `checkSafePath` before acting.
 */
export function recordPath(folder: string, rel: string): string | undefined {
  if (!rel || rel.includes('\0') || path.posix.isAbsolute(rel) || path.isAbsolute(rel)) return undefined;
  const abs = path.resolve(folder, ...rel.split('/'));
  if (!isInside(folder, abs)) return undefined;
  return path.relative(folder, abs).split(path.sep)[0] === STATE_DIR ? undefined : abs;
}

export interface SafePathOptions {
  /** Symbolic links inside the root may be crossed, as long as the real path stays inside. */
  followSymlinks?: boolean;
  /** The root itself counts as inside (for folders: a destination that is the folder). */
  allowRoot?: boolean;
}

async function lstatOrUndefined(p: string) {
  return lstat(p).catch(() => undefined);
}

/**
 * Why `target` is not safely inside `root` right now, or undefined when it is. The root
 * must exist. Without `followSymlinks` no component between the root and the target may
 * be a symbolic link; with it, real paths must still stay inside the root's real path.
 */
export async function unsafePathReason(root: string, target: string, options: SafePathOptions = {}): Promise<string | undefined> {
  const rootAbs = path.resolve(root);
  const abs = path.resolve(target);
  if (abs.includes('\0')) return `${JSON.stringify(target)} contains a NUL character`;
  if (abs === rootAbs ? !options.allowRoot : !isInside(rootAbs, abs)) return `${abs} is not inside ${rootAbs}`;
  let rootReal: string;
  try {
    rootReal = await realpath(rootAbs);
  } catch (err) {
    return `cannot resolve ${rootAbs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  if (abs === rootAbs) return undefined;
  // The leaf: a link is only acceptable when links are followed and it resolves inside.
  const leaf = await lstatOrUndefined(abs);
  if (leaf?.isSymbolicLink()) {
    if (!options.followSymlinks) return `${abs} is a symbolic link`;
    const real = await realpath(abs).catch(() => undefined);
    if (!real || !isWithin(rootReal, real)) return `${abs} is a symbolic link that leads outside ${rootAbs}`;
  }
  // The nearest existing ancestor, resolved, must be where its spelling says (or inside, with links followed).
  let dir = path.dirname(abs);
  while (dir !== rootAbs && !(await lstatOrUndefined(dir))) dir = path.dirname(dir);
  const expected = path.join(rootReal, path.relative(rootAbs, dir));
  const real = await realpath(dir).catch(() => undefined);
  if (!real) return `cannot resolve ${dir}`;
  if (options.followSymlinks ? !isWithin(rootReal, real) : real !== expected) {
    return options.followSymlinks
      ? `${dir} leads outside ${rootAbs} (to ${real})`
      : `${dir} passes through a symbolic link (it is really ${real})`;
  }
  return undefined;
}

/** Throws UnsafePathError (naming `what`) unless `target` is safely inside `root` now. */
export async function assertSafePath(root: string, target: string, what: string, options: SafePathOptions = {}): Promise<void> {
  const reason = await unsafePathReason(root, target, options);
  if (reason) throw new UnsafePathError(`${what}: ${reason}; refusing to touch it`);
}

/**
 * Creates (if needed) `<folder>/.rcnn-lens[/sub…]` and checks that it is a real folder inside
 * `folder`: a cloned repository could ship `.rcnn-lens` as a link to somewhere else, and
 * every journal, lock and thumbnail written there would land outside the folder.
 */
export async function ensureStateDir(folder: string, ...sub: string[]): Promise<string> {
  const dir = path.join(folder, STATE_DIR, ...sub);
  await assertSafePath(folder, dir, 'RCNN Lens state folder');
  await mkdir(dir, { recursive: true });
  await assertSafePath(folder, dir, 'RCNN Lens state folder');
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new UnsafePathError(`${dir} is not a folder; refusing to use it`);
  return dir;
}
