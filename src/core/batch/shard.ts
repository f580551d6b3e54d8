/**
 * `--shard K/N`: a deterministic partition of a folder's files by a hash of their relative
 * path, so N machines each label 1/N of a dataset and their outputs concatenate with every
 * file exactly once (the hash does not depend on scan order, machine or file system).
 */
export interface Shard {
  /** 1-based shard index. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`shard "${text}" is not K/N (e.g. 1/4)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`shard "${text}": need 1 ≤ K ≤ N`);
  return { index, count };
}

/**
 * FNV-1a 32-bit over the UTF-8 bytes of the path, then the murmur3 finaliser: FNV-1a's low
 * bits are poorly mixed (its lowest bit is just the parity of the bytes' lowest bits, so
 * `a/1.jpg` and `b/2.jpg` always fell into the same one of 2 shards).
 */
export function pathHash(relPath: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(relPath, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function inShard(relPath: string, shard: Shard | undefined): boolean {
  if (!shard || shard.count === 1) return true;
  return pathHash(relPath) % shard.count === shard.index - 1;
}

/** `.shard-K-of-N` (empty without sharding): goes into default output, journal and lock names. */
export function shardSuffix(shard: Shard | undefined): string {
  return shard && shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : '';
}

/** The default labels file name of a run: `labels.jsonl`, or `labels.shard-K-of-N.jsonl` for a shard. */
export function defaultLabelsName(shard: Shard | undefined, ext: 'jsonl' | 'csv' = 'jsonl'): string {
  return `labels${shardSuffix(shard)}.${ext}`;
}
