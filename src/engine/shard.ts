/**
 * Sharded builds (`dpo build --shard i/n`): shard i of n does the item work
 * (LLM calls, judgements, signatures) for a 1/n share of the data, so n
 * machines — or n builds one after another — fill the memo between them, and
 * a later unsharded build assembles the outputs with no new calls.
 *
 * The unit of sharding is a record of a *root* stage (one with no `needs`: a
 * source), assigned by a stable hash of its `id` — not the seeded RNG, which
 * depends on the stage and the seed. A root stage runs whole and keeps only
 * its shard's records; everything downstream derives from those, so every
 * item descends from exactly one shard. Filtering each stage's items by their
 * own key instead would derive shard i's downstream items from shard i's
 * upstream items only, and work whose upstream fell in another shard would be
 * done by no shard.
 *
 * A shard's outputs are partial: a shard build writes neither dpo.lock nor
 * out/, and a root stage's key names its shard (the fingerprint's `shard`), so
 * its run-cache entry is never mistaken for the whole output. Downstream keys
 * follow from their inputs' digests as always.
 */
import { createHash } from "node:crypto";
import { userError, type DpoError } from "./diagnostic.js";
import type { Rec } from "./plugin.js";

/** Shard `index` (1-based, as `--shard 1/4` spells it) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

const SHARD_HINT = "--shard takes i/n with whole numbers 1 ≤ i ≤ n, e.g. `--shard 1/4` … `--shard 4/4`";

/** `"2/4"` → shard 2 of 4; anything else is a user error saying what is expected. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw userError(`--shard expects i/n (shard i of n), found "${text}"`, { hint: SHARD_HINT });
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  const problem = shardProblem(shard);
  if (problem) throw problem;
  return shard;
}

/** Why a shard is not valid (for callers of the engine that build one by hand), or undefined. */
export function shardProblem(s: Shard): DpoError | undefined {
  if (!Number.isSafeInteger(s.count) || s.count < 1) return userError(`--shard: the number of shards must be a whole number of at least 1, found ${s.count}`, { hint: SHARD_HINT });
  if (!Number.isSafeInteger(s.index) || s.index < 1 || s.index > s.count) {
    return userError(`--shard: shard ${s.index} does not exist among ${s.count} (shards are numbered 1 to ${s.count})`, { hint: SHARD_HINT });
  }
  return undefined;
}

export function shardLabel(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/**
 * The shard (1-based) a root record's id falls in: the first 48 bits of
 * sha256(id), modulo n. The same on every machine, in every clone and for
 * every seed, so the shards are disjoint and cover every record.
 */
export function shardOf(id: string, count: number): number {
  const digest = createHash("sha256").update(id).digest();
  return (digest.readUIntBE(0, 6) % count) + 1;
}

/** Does this stage keep only its shard's records (a root: it needs no stage)? */
export function isShardRoot(stage: { readonly needs: readonly string[] }): boolean {
  return stage.needs.length === 0;
}

/** The records of a root stage that belong to `shard`, in the order the plugin yields them. */
export async function* onlyShard(records: AsyncIterable<Rec> | Iterable<Rec>, shard: Shard): AsyncIterable<Rec> {
  for await (const r of records) if (shardOf(String(r.id), shard.count) === shard.index) yield r;
}
