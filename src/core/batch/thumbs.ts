/**
 * Review thumbnails: small JPEGs (default 160 px) made by a labeling worker process with
 * sharp (the extension host never loads sharp), cached under the folder's
 * `.rcnn-lens/thumbs/<hash>.jpg`. The hash covers the file's identity (device and inode),
 * size and mtime: a changed image gets a new one, while a moved or renamed one (Sort Into
 * Class Folders, Undo) keeps its thumbnail. Made lazily, for the items the gallery shows.
 * The worker starts on the first request and exits after a while without requests.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { STATE_DIR } from '../folder/safePath';
import type { FromWorker, ThumbMessage } from './workerProtocol';

export const THUMB_SIZE = 160;

export function thumbsDir(folder: string): string {
  return path.join(folder, STATE_DIR, 'thumbs');
}

/** What a thumbnail is cached under: the file itself (it survives a rename), its size and its mtime. */
export interface ThumbSource {
  rel: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** The cache file of an image's thumbnail. */
export function thumbPath(folder: string, src: ThumbSource, px = THUMB_SIZE): string {
  // Some file systems report no inode numbers (0): there the path has to tell files apart.
  const identity = src.ino ? `${src.dev}:${src.ino}` : `path:${src.rel}`;
  const key = createHash('sha256').update(`${identity}\0${src.size}\0${Math.round(src.mtimeMs)}\0${px}`).digest('hex').slice(0, 24);
  return path.join(thumbsDir(folder), `${key}.jpg`);
}

export interface ThumbnailMakerOptions {
  /** dist/labelWorker.js */
  script: string;
  env?: NodeJS.ProcessEnv;
  idleMs?: number;
  px?: number;
}

export class ThumbnailMaker {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly options: ThumbnailMakerOptions) {}

  get px(): number {
    return this.options.px ?? THUMB_SIZE;
  }

  /**
   * The thumbnail file of `rel` in `folder` (made if missing). Rejects if the image cannot
   * be read or scaled; the caller then shows the original or a placeholder.
   */
  async thumbnail(folder: string, rel: string): Promise<string> {
    const src = path.join(folder, ...rel.split('/'));
    const st = await stat(src);
    const out = thumbPath(folder, { rel, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs }, this.px);
    if (await stat(out).then(() => true, () => false)) return out;
    await mkdir(path.dirname(out), { recursive: true });
    await this.make(src, out);
    return out;
  }

  private make(src: string, out: string): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('thumbnails were stopped'));
    const child = this.ensure();
    const id = this.nextId++;
    const msg: ThumbMessage = { type: 'thumb', requestId: id, src, out, size: this.px };
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.touch();
      child.send(msg, (err) => {
        if (err) this.settle(id, err.message);
      });
    });
  }

  private settle(id: number, error?: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (error) p.reject(new Error(error));
    else p.resolve();
    this.touch();
  }

  private ensure(): ChildProcess {
    if (this.child?.connected) return this.child;
    const child = fork(this.options.script, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, ...this.options.env },
    });
    this.child = child;
    child.on('message', (m: FromWorker<'thumb'>) => {
      if (m.type === 'reply') this.settle(m.requestId, m.ok ? undefined : m.error.message);
    });
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      // A crash (a hostile file) fails what was in flight; the next request starts a fresh worker.
      for (const id of [...this.pending.keys()]) this.settle(id, 'the thumbnail worker stopped');
    });
    child.on('error', () => undefined);
    return child;
  }

  /** Stop the worker after a while without requests. */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (!this.pending.size) this.stopChild();
    }, this.options.idleMs ?? 30_000);
    this.idleTimer.unref?.();
  }

  private stopChild(): void {
    const c = this.child;
    this.child = undefined;
    if (c && c.exitCode === null) c.kill();
  }

  dispose(): void {
    this.disposed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.stopChild();
    for (const id of [...this.pending.keys()]) this.settle(id, 'thumbnails were stopped');
  }
}
