/**
 * A shard's "done" marker: `<folder>/.rcnn-lens/shards/shard-K-of-N.json`, written (atomically)
 * only after that shard's labels file was written completely. `--merge-shards` merges only when
 * every shard has one, so a task that was killed, preempted or is still running is never mistaken
 * for a finished one. Markers may come from anywhere (a copied folder): every field is checked,
 * and the labels file a marker names is believed only inside the folder.
 */
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Shard } from '../batch/shard';
import { writeFileAtomic } from '../batch/fsutil';
import type { LabelFormat } from '../batch/records';
import { assertSafePath, ensureStateDir, isInside, recordPath, STATE_DIR, toPosixRel } from '../folder/safePath';

export interface ScanSpec {
  include: string[] | null;
  exclude: string[];
  followSymlinks: boolean;
}

export interface ShardMarker {
  version: 1;
  shard: Shard;
  model: { name: string; hash: string };
  /** Images of this shard (records in its labels file). */
  files: number;
  /** The shard's labels files, relative to the folder. */
  outputs: { file: string; format: LabelFormat }[];
  scan: ScanSpec;
  finishedAt: string;
}

const MARKER_NAME = /^shard-(\d{1,6})-of-(\d{1,6})\.json$/;
const MAX_MARKER_BYTES = 64 * 1024;

export class ShardMarkerError extends Error {}

export function markerName(shard: Shard): string {
  return `shard-${shard.index}-of-${shard.count}.json`;
}

export async function writeShardMarker(folder: string, marker: Omit<ShardMarker, 'version' | 'outputs'> & { outputs: { file: string; format: LabelFormat }[] }): Promise<string | undefined> {
  // A shard written with --out outside the folder cannot be merged from the folder: no marker.
  if (!marker.outputs.every((o) => isInside(folder, o.file))) return undefined;
  const dir = await ensureStateDir(folder, 'shards');
  const body: ShardMarker = { version: 1, ...marker, outputs: marker.outputs.map((o) => ({ file: toPosixRel(folder, o.file), format: o.format })) };
  const file = path.join(dir, markerName(marker.shard));
  await writeFileAtomic(file, [JSON.stringify(body, null, 1) + '\n']);
  return file;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length < 4096) && v.length < 1000;

/** The marker's fields, checked; absolute output paths inside the folder. */
function checkMarker(folder: string, name: string, v: unknown): ShardMarker {
  const bad = (why: string) => new ShardMarkerError(`${STATE_DIR}/shards/${name}: ${why}`);
  const m = v as Partial<ShardMarker>;
  if (!m || typeof m !== 'object' || m.version !== 1) throw bad('not a shard marker of this version');
  const [, k, n] = MARKER_NAME.exec(name)!;
  if (!m.shard || m.shard.index !== Number(k) || m.shard.count !== Number(n)) throw bad('its shard does not match its name');
  if (!m.model || typeof m.model.hash !== 'string' || typeof m.model.name !== 'string') throw bad('no model');
  if (!Number.isInteger(m.files) || (m.files as number) < 0) throw bad('no file count');
  const scan = m.scan as Partial<ScanSpec> | undefined;
  if (!scan || !(scan.include === null || isStringArray(scan.include)) || !isStringArray(scan.exclude) || typeof scan.followSymlinks !== 'boolean') throw bad('no scan options');
  if (!Array.isArray(m.outputs) || m.outputs.length < 1 || m.outputs.length > 2) throw bad('no outputs');
  const outputs = m.outputs.map((o) => {
    const abs = o && typeof o.file === 'string' ? recordPath(folder, o.file) : undefined;
    if (!abs || (o.format !== 'jsonl' && o.format !== 'csv')) throw bad('an output that is not a labels file inside the folder');
    return { file: abs, format: o.format };
  });
  return { version: 1, shard: m.shard, model: m.model, files: m.files as number, outputs, scan: scan as ScanSpec, finishedAt: String(m.finishedAt ?? '') };
}

/** Every marker in the folder, by shard index; markers of other shard counts are reported apart. */
export async function readShardMarkers(folder: string): Promise<ShardMarker[]> {
  const dir = path.join(folder, STATE_DIR, 'shards');
  await assertSafePath(folder, dir, 'shard markers folder');
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const markers: ShardMarker[] = [];
  for (const name of names.filter((n) => MARKER_NAME.test(n)).sort()) {
    const file = path.join(dir, name);
    const text = await readFile(file, 'utf8');
    if (text.length > MAX_MARKER_BYTES) throw new ShardMarkerError(`${STATE_DIR}/shards/${name}: too large to be a shard marker`);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new ShardMarkerError(`${STATE_DIR}/shards/${name}: not JSON`);
    }
    markers.push(checkMarker(folder, name, v));
  }
  return markers;
}
