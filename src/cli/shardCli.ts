/**
 * The CLI's side of sharding: `--shard K/N | auto | auto/N`, the marker a finished shard leaves,
 * and `label --merge-shards <folder>`.
 */
import * as path from 'node:path';
import type { LabelSummary, OutputSpec } from '../core/batch/pipeline';
import { parseShard, type Shard } from '../core/batch/shard';
import { AutoShardError, parseAutoSpec, resolveAutoShard } from '../core/sharding/autoShard';
import { MergeShardsError, mergeShards } from '../core/sharding/mergeShards';
import { ShardMarkerError, type ScanSpec, writeShardMarker } from '../core/sharding/shardMarker';
import { UnsafePathError } from '../core/folder/safePath';
import { printableLine } from '../core/util/printable';
import { UsageError } from './args';

/** The shard of `--shard VALUE`; `auto` asks the scheduler (Slurm array, Kubernetes Indexed Job). */
export function shardFromFlag(value: string, env: Record<string, string | undefined> = process.env): Shard {
  try {
    const auto = parseAutoSpec(value);
    return auto ? resolveAutoShard(auto, env) : parseShard(value);
  } catch (err) {
    if (err instanceof AutoShardError || !(err instanceof UsageError)) throw new UsageError((err as Error).message);
    throw err;
  }
}

/** After a completed shard run: the marker that `--merge-shards` waits for. */
export async function markShardDone(folder: string, shard: Shard, summary: LabelSummary, outputs: readonly OutputSpec[], scan: ScanSpec): Promise<string | undefined> {
  return writeShardMarker(folder, {
    shard,
    model: { name: summary.model.name, hash: summary.model.hash },
    files: summary.files,
    outputs: outputs.map((o) => ({ file: o.file, format: o.format })),
    scan,
    finishedAt: new Date().toISOString(),
  });
}

/** `label --merge-shards <folder> [--format jsonl|csv|both]`: exit 0 merged, 2 not mergeable. */
export async function runMergeShards(folder: string, format: string, json: boolean): Promise<number> {
  if (!['jsonl', 'csv', 'both'].includes(format)) throw new UsageError('--format must be jsonl, csv or both');
  const outputs = (format === 'both' ? ['jsonl', 'csv'] : [format]).map((f) => ({ file: path.join(folder, `labels.${f}`), format: f as 'jsonl' | 'csv' }));
  try {
    const r = await mergeShards(folder, outputs);
    process.stdout.write(
      json ? JSON.stringify(r) + '\n' : printableLine(`merged ${r.shards} shards: ${r.files} record(s) of model ${r.model.name} (${r.model.hash}) into ${r.outputs.join(', ')}`) + '\n',
    );
    return 0;
  } catch (err) {
    if (err instanceof MergeShardsError || err instanceof ShardMarkerError || err instanceof UnsafePathError) throw new UsageError(err.message);
    throw err;
  }
}
