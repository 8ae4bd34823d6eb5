/**
 * --shard i/n: a deterministic part of the work, for CI job matrices. The
 * vectors of the run, sorted by id, are dealt round-robin into n shards, and a
 * vector runs on every target in the same shard. The same vector set gives the
 * same shards on every machine; `conformatrix merge` puts them back together.
 */
import { UsageError } from './errors.js';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(text);
  if (!m) throw new UsageError(`--shard takes i/n (say 2/3), not ${JSON.stringify(text)}`);
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  if (shard.index > shard.count) throw new UsageError(`--shard ${text}: there is no shard ${shard.index} of ${shard.count}`);
  return shard;
}

/** The ids of the vectors that belong to the shard. */
export function shardVectors(ids: Iterable<string>, shard: Shard): Set<string> {
  const sorted = [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Set(sorted.filter((_, i) => i % shard.count === shard.index - 1));
}
