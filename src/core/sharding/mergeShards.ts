/**
 * `rcnn-lens label --merge-shards <folder>`: joins the labels files of a sharded run into the one
 * labels file a single-machine run would have written (same records, same order: the folder's scan
 * order), after checking that the shards fit together:
 *  - every shard 1..N finished (has its marker, shardMarker.ts), all of one run (one N, one model,
 *    one set of scan options);
 *  - each shard's file holds what its marker counted, every record is one its shard owns (the path
 *    hash), labeled by that model, and no path is in two shards;
 *  - the folder, scanned again with the shards' options, has no image that no shard labeled and
 *    no labeled image has gone.
 * Nothing is written unless all of that holds; each output is then replaced atomically
 * (temporary file + rename), so a reader sees the old file or the whole new one.
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../batch/fsutil';
import { acquireLock } from '../batch/lock';
import { readLabelsFile } from '../batch/pipeline';
import { CSV_HEADER, type LabelFormat, type LabelRecord, toCsvLine, toJsonLine } from '../batch/records';
import { recordRunOutputs } from '../batch/runState';
import { scanFolder } from '../batch/scan';
import { inShard } from '../batch/shard';
import { assertSafePath } from '../folder/safePath';
import { type ShardMarker, readShardMarkers } from './shardMarker';

export class MergeShardsError extends Error {}

export interface MergeResult {
  shards: number;
  files: number;
  model: { name: string; hash: string };
  outputs: string[];
}

const listSome = (items: readonly string[], max = 5) =>
  items.slice(0, max).join(', ') + (items.length > max ? ` and ${items.length - max} more` : '');

/** The markers of one complete run, or a clear error naming what is missing or mixed. */
export function completeRun(markers: readonly ShardMarker[], folder: string): ShardMarker[] {
  if (!markers.length) {
    throw new MergeShardsError(`no finished shard in ${folder}: run rcnn-lens label <folder> --shard K/N (or --shard auto) first`);
  }
  const counts = [...new Set(markers.map((m) => m.shard.count))];
  if (counts.length > 1) {
    throw new MergeShardsError(
      `${folder} holds shards of runs split ${counts.join(' and ')} ways; delete the markers of the stale run in .rcnn-lens/shards/ and merge again`,
    );
  }
  const count = counts[0];
  const have = new Set(markers.map((m) => m.shard.index));
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !have.has(k));
  if (missing.length) {
    throw new MergeShardsError(`shard${missing.length > 1 ? 's' : ''} ${listSome(missing.map(String), 10)} of ${count} ha${missing.length > 1 ? 've' : 's'} not finished (no .rcnn-lens/shards/shard-K-of-${count}.json): run or rerun ${missing.length > 1 ? 'them' : 'it'}, then merge`);
  }
  const first = markers[0];
  for (const m of markers) {
    if (m.model.hash !== first.model.hash) {
      throw new MergeShardsError(`shard ${m.shard.index} was labeled with model ${m.model.name} (${m.model.hash.slice(0, 12)}), shard ${first.shard.index} with ${first.model.name} (${first.model.hash.slice(0, 12)}): rerun the shards with one model`);
    }
    if (JSON.stringify(m.scan) !== JSON.stringify(first.scan)) {
      throw new MergeShardsError(`shards ${first.shard.index} and ${m.shard.index} scanned the folder with different --include/--exclude/--follow-symlinks options: rerun them with the same options`);
    }
  }
  return [...markers].sort((a, b) => a.shard.index - b.shard.index);
}

/** Every record of every shard by path, checked against its marker and shard. */
async function collectRecords(folder: string, run: readonly ShardMarker[]): Promise<Map<string, LabelRecord>> {
  const byPath = new Map<string, LabelRecord>();
  const owner = new Map<string, number>();
  for (const m of run) {
    const out = m.outputs.find((o) => o.format === 'jsonl') ?? m.outputs[0];
    await assertSafePath(folder, out.file, `labels file of shard ${m.shard.index}`);
    const records = await readLabelsFile(out.file, out.format);
    const where = `shard ${m.shard.index} (${path.basename(out.file)})`;
    if (records.length !== m.files) {
      throw new MergeShardsError(`${where} holds ${records.length} records but finished with ${m.files}: it changed after the shard ended; rerun shard ${m.shard.index}`);
    }
    for (const r of records) {
      if (r.model.hash !== m.model.hash) throw new MergeShardsError(`${where}: ${r.path} was labeled by another model (${r.model.hash.slice(0, 12)}); rerun shard ${m.shard.index}`);
      if (!inShard(r.path, m.shard)) throw new MergeShardsError(`${where}: ${r.path} belongs to another shard of ${m.shard.count}; the file was edited or the shards were not split by rcnn-lens`);
      const prev = owner.get(r.path);
      if (prev !== undefined) throw new MergeShardsError(`${r.path} is in shard ${prev} and shard ${m.shard.index}`);
      owner.set(r.path, m.shard.index);
      byPath.set(r.path, r);
    }
  }
  return byPath;
}

/** The records in the folder's scan order; an error if the folder and the shards disagree. */
async function inScanOrder(folder: string, spec: ShardMarker['scan'], byPath: Map<string, LabelRecord>): Promise<LabelRecord[]> {
  const list = await scanFolder(folder, { include: spec.include ?? undefined, exclude: spec.exclude, followSymlinks: spec.followSymlinks });
  const ordered: LabelRecord[] = [];
  const unlabeled: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = byPath.get(list.rel(i));
    if (r) ordered.push(r);
    else unlabeled.push(list.rel(i));
  }
  if (unlabeled.length) {
    throw new MergeShardsError(`${unlabeled.length} image${unlabeled.length > 1 ? 's are' : ' is'} in the folder but in no shard (${listSome(unlabeled)}): files were added after the shards ran; rerun the shards`);
  }
  if (ordered.length !== byPath.size) {
    const seen = new Set(ordered.map((r) => r.path));
    const gone = [...byPath.keys()].filter((p) => !seen.has(p));
    throw new MergeShardsError(`${gone.length} labeled image${gone.length > 1 ? 's are' : ' is'} no longer in the folder (${listSome(gone)}): rerun the shards`);
  }
  return ordered;
}

function* lines(records: readonly LabelRecord[], format: LabelFormat): Generator<string> {
  if (format === 'csv') yield CSV_HEADER + '\n';
  let chunk = '';
  for (const r of records) {
    chunk += (format === 'csv' ? toCsvLine(r) : toJsonLine(r)) + '\n';
    if (chunk.length > 256 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export async function mergeShards(folder: string, outputs: readonly { file: string; format: LabelFormat }[]): Promise<MergeResult> {
  const lock = await acquireLock(folder, 'merging shards');
  try {
    const run = completeRun(await readShardMarkers(folder), folder);
    const byPath = await collectRecords(folder, run);
    const ordered = await inScanOrder(folder, run[0].scan, byPath);
    for (const o of outputs) {
      await assertSafePath(folder, o.file, 'merged labels file');
      await writeFileAtomic(o.file, lines(ordered, o.format));
    }
    await recordRunOutputs(folder, [...outputs]);
    return { shards: run.length, files: ordered.length, model: run[0].model, outputs: outputs.map((o) => o.file) };
  } finally {
    await lock.release();
  }
}
