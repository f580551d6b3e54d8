/**
 * One labeling run per folder (and shard) at a time: an exclusive-create lock file holding
 * the owner's pid, host and start time. A lock whose process is gone (same host, pid not
 * alive) is stale and taken over; a live one is refused with a message naming the owner.
 *
 * Folder-level relation: `label.lock` (a full run, a sort, an undo, a review write-back)
 * excludes every shard lock `label.shard-K-of-N.lock`, and shard locks exclude `label.lock`,
 * while shard runs of different shards run side by side. Each side creates its own lock
 * first and then checks for the other side's; if it finds one it backs off, so two
 * racing takers can both fail but never both win.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { STATE_DIR, ensureStateDir, isInside } from './safePath';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  purpose: string;
}

export class LockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: LockInfo | undefined,
    folder: string,
  ) {
    super(
      owner
        ? `Another RCNN Lens run is already working on ${folder} (${owner.purpose}, process ${owner.pid} on ${owner.host}, started ${owner.startedAt}). Wait for it to finish or cancel it; if that process no longer exists, delete ${lockFile}.`
        : `Another RCNN Lens run is already working on ${folder} (lock file ${lockFile}).`,
    );
    this.name = 'LockedError';
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface FolderLock {
  file: string;
  release(): Promise<void>;
}

/** The lock file inside the folder's state folder (the usual place). */
function stateDirLockFile(folder: string, name: string): string {
  return path.join(folder, STATE_DIR, name);
}

const TEMP_LOCK_DIR = path.join(os.tmpdir(), 'rcnn-lens-locks');

/** The lock file in the temp folder, used when the folder itself cannot hold one (read-only). */
function tempLockFile(folder: string, name: string): string {
  const key = createHash('sha256').update(path.resolve(folder)).digest('hex').slice(0, 16);
  return path.join(TEMP_LOCK_DIR, `${key}-${name}`);
}

/** Where a lock for `folder` is taken: inside its state folder (created), or in the temp folder if that is read-only. */
async function lockPath(folder: string, name: string): Promise<string> {
  try {
    // A state folder that is a link to elsewhere is not used: the lock goes to the temp folder.
    await ensureStateDir(folder);
    return stateDirLockFile(folder, name);
  } catch {
    await mkdir(TEMP_LOCK_DIR, { recursive: true });
    return tempLockFile(folder, name);
  }
}

export async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8'));
    return typeof v.pid === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

export const FOLDER_LOCK = 'label.lock';
const SHARD_LOCK = /^label\.shard-\d+-of-\d+\.lock$/;

/** The lock name of a shard run. */
export function shardLockName(index: number, count: number): string {
  return `label.shard-${index}-of-${count}.lock`;
}

/** Live locks that conflict with holding `name` (the folder lock vs the shard locks). */
async function conflicting(folder: string, name: string, own: string): Promise<{ file: string; owner: LockInfo } | undefined> {
  const dir = path.dirname(own);
  let names: string[];
  if (name === FOLDER_LOCK) {
    const prefix = path.basename(own).slice(0, path.basename(own).length - name.length); // temp-folder key prefix
    names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix) && SHARD_LOCK.test(n.slice(prefix.length)));
  } else if (SHARD_LOCK.test(name)) {
    names = [path.basename(await lockPath(folder, FOLDER_LOCK))];
  } else return undefined;
  for (const n of names) {
    const file = path.join(dir, n);
    const owner = await readLock(file);
    if (owner && !(owner.host === os.hostname() && !isAlive(owner.pid))) return { file, owner };
  }
  return undefined;
}

export async function acquireLock(folder: string, purpose: string, name = FOLDER_LOCK): Promise<FolderLock> {
  const lock = await acquireOne(folder, purpose, name);
  const other = await conflicting(folder, name, lock.file);
  if (other) {
    await lock.release();
    throw new LockedError(other.file, other.owner, folder);
  }
  // Runs on nested folders (a subfolder while its parent is labeled) would write into overlapping trees.
  const marker = await markActive(folder, purpose);
  const nested = await nestedRun(folder, marker);
  if (nested) {
    await unlink(marker ?? '').catch(() => undefined);
    await lock.release();
    throw new LockedError(nested.file, nested.owner, `${folder} (it overlaps ${nested.folder})`);
  }
  return {
    file: lock.file,
    release: async () => {
      if (marker) await unlink(marker).catch(() => undefined);
      await lock.release();
    },
  };
}

/** Every lock holder on this machine leaves a marker naming its folder here, so nested folders can see each other. */
const ACTIVE_DIR = path.join(TEMP_LOCK_DIR, 'active');

/** Writes this holder's marker (best effort: a temp folder we cannot write only loses the nesting check). */
async function markActive(folder: string, purpose: string): Promise<string | undefined> {
  const real = await realpath(folder).catch(() => path.resolve(folder));
  const info = { folder: real, pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), purpose };
  const file = path.join(ACTIVE_DIR, `${process.pid}-${createHash('sha256').update(real + info.startedAt + Math.random()).digest('hex').slice(0, 12)}.json`);
  try {
    await mkdir(ACTIVE_DIR, { recursive: true, mode: 0o1777 });
    await writeFile(file, JSON.stringify(info), { flag: 'wx' });
    return file;
  } catch {
    return undefined;
  }
}

/** A live holder whose folder contains `folder` or lies inside it (another spelling of the same folder is the lock's job). */
async function nestedRun(folder: string, own: string | undefined): Promise<{ file: string; owner: LockInfo; folder: string } | undefined> {
  const real = await realpath(folder).catch(() => path.resolve(folder));
  for (const n of await readdir(ACTIVE_DIR).catch(() => [] as string[])) {
    const file = path.join(ACTIVE_DIR, n);
    if (file === own) continue;
    const owner = (await readLock(file)) as (LockInfo & { folder?: unknown }) | undefined;
    if (!owner || typeof owner.folder !== 'string') continue;
    if (owner.host === os.hostname() && !isAlive(owner.pid)) {
      await unlink(file).catch(() => undefined); // left by a run that died
      continue;
    }
    if (isInside(owner.folder, real) || isInside(real, owner.folder)) return { file, owner, folder: owner.folder };
  }
  return undefined;
}

async function acquireOne(folder: string, purpose: string, name: string): Promise<FolderLock> {
  const file = await lockPath(folder, name);
  const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), purpose };
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(JSON.stringify(info));
      await fh.close();
      let released = false;
      return {
        file,
        release: async () => {
          if (released) return;
          released = true;
          const current = await readLock(file);
          if (current && current.pid === info.pid && current.startedAt === info.startedAt) await unlink(file).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await readLock(file);
      const stale = owner
        ? owner.host === os.hostname() && !isAlive(owner.pid)
        : await olderThan(file, 10_000); // unparseable: a writer died between create and write
      if (!stale) throw new LockedError(file, owner, folder);
      // Another process may be taking over the same stale lock right now: wait for it, then look again.
      if (!(await breakStaleLock(file, owner))) await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
  }
  throw new LockedError(file, await readLock(file), folder);
}

const sameOwner = (a: LockInfo | undefined, b: LockInfo | undefined) =>
  a === b || (!!a && !!b && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt);

/**
 * Removes a stale lock, but only while it is still the one judged stale. Two runs finding the
 * same dead owner must not both take over: without this, the second would delete the lock the
 * first had just created. The takeover itself is guarded by an exclusive `.breaking` file.
 * Returns false when another process is breaking the lock at this moment.
 */
async function breakStaleLock(file: string, staleOwner: LockInfo | undefined): Promise<boolean> {
  const breaker = `${file}.breaking`;
  try {
    await (await open(breaker, 'wx')).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A breaker left by a process that died in these few lines is itself stale after a while.
    if (await olderThan(breaker, 10_000)) await unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    if (sameOwner(await readLock(file), staleOwner)) await unlink(file).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
  return true;
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    const st = await stat(file);
    return Date.now() - st.mtimeMs > ms;
  } catch {
    return true;
  }
}

/**
 * Whether a live run holds the lock, or (for the folder lock) any shard lock (for features
 * that must not write during a run). Only reads: looking at a folder (the review gallery)
 * must not create its state folder, so both places a lock can live are checked as they are.
 */
export async function isLocked(folder: string, name = FOLDER_LOCK): Promise<LockInfo | undefined> {
  for (const file of [stateDirLockFile(folder, name), tempLockFile(folder, name)]) {
    const owner = await readLock(file);
    if (owner && !(owner.host === os.hostname() && !isAlive(owner.pid))) return owner;
    const shardOwner = name === FOLDER_LOCK ? (await conflicting(folder, name, file))?.owner : undefined;
    if (shardOwner) return shardOwner;
  }
  return undefined;
}
