/**
 * dedup/minhash: removes exact duplicates (after normalisation) and near
 * duplicates (MinHash + LSH, verified by exact Jaccard) from prompts or pairs.
 * The algorithm lives in ./core.ts; this file is the contract with the engine.
 *
 * Decisions worth knowing:
 * - Verification is EXACT Jaccard of the two texts' shingle sets, so nothing
 *   is removed on a signature estimate; LSH only decides which pairs to check.
 *   That is why the default LSH weights favour recall (FP 0.05, FN 0.95 →
 *   16 bands × 8 rows at 0.8 / 128): extra candidates only cost time.
 * - Kept record: the earliest in the project's sample order of its prompt
 *   (`ctx.sample.rank`), removed only as a duplicate of an earlier *kept*
 *   record (./keep-order.ts), whatever the input order or worker count; so
 *   admitting more prompts (`dpo build --iteration`) never swaps a kept record.
 * - Signatures are one-permutation MinHash with optimal densification (one
 *   hash per shingle, see ./signature.ts); the hash and the probe sequence are
 *   fixed, not the project seed, so memoised signatures stay valid across
 *   builds and seeds.
 * - All inputs in `needs` are deduplicated together.
 */
import { canonicalJson } from "../../engine/hash.js";
import { definePlugin, type PluginContext } from "../../engine/plugin.js";
import { inputRecords } from "../stream/inputs.js";
import type { Decisions, DedupOptions, DedupStats } from "./core.js";
import { FULL_BUCKET } from "./lsh.js";

export default definePlugin<DedupOptions>({
  name: "dedup/minhash",
  version: "3",
  description:
    "Removes exact duplicates (normalised text) and near duplicates (MinHash + LSH candidates, verified by exact Jaccard of shingle sets). Keeps the earliest record in the project's sample order (a record is removed only as a duplicate of an earlier kept one, so admitting more prompts never changes what was kept); it lists the others in `duplicates`.",
  inputs: { min: 1 },
  output: "same",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      fields: {
        type: "array",
        description:
          'Dotted paths of the text compared, joined in this order, e.g. ["prompt"] for prompts or ["prompt", "chosen.text"] for pairs. A conversation is rendered with its roles.',
        items: { type: "string", minLength: 1, description: "A dotted path to a string or a [{role, content}] list." },
        minItems: 1,
        default: ["prompt"],
      },
      exact: {
        type: "boolean",
        description: "Remove records whose normalised text (NFKC, lower case, folded white space) is identical.",
        default: true,
      },
      near: { type: "boolean", description: "Remove near duplicates found with MinHash + LSH.", default: true },
      threshold: {
        type: "number",
        description: "Jaccard similarity of shingle sets at or above which two texts are near duplicates.",
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.8,
      },
      numPerm: {
        type: "integer",
        description: "Number of MinHash permutations (signature length). More is slower but finds more of the pairs near the threshold.",
        minimum: 8,
        maximum: 1024,
        default: 128,
      },
      shingle: {
        type: "string",
        enum: ["word", "char"],
        description: "Shingles are word n-grams or character n-grams of the normalised text.",
        default: "word",
      },
      unspaced: {
        type: "string",
        enum: ["char", "word"],
        description:
          "With `shingle: word`, how texts written mostly (30% or more of their characters) in scripts without spaces between words — Chinese, Japanese, Thai, Lao, Khmer, Myanmar — are shingled: `char` uses character n-grams of `ngram` characters, so such texts can be near-duplicates at all; `word` treats each unspaced run as one word.",
        default: "char",
      },
      ngram: {
        type: "integer",
        description: "Words (or characters) per shingle; about 3 for words, 5 for characters.",
        minimum: 1,
        maximum: 64,
        default: 3,
      },
      lshWeights: {
        type: "object",
        description:
          "Weights of the false-positive and false-negative areas when choosing LSH bands × rows (candidates are verified exactly, so false positives only cost time).",
        additionalProperties: false,
        properties: {
          falsePositive: { type: "number", minimum: 0, description: "Weight of the false-positive area below the threshold.", default: 0.05 },
          falseNegative: { type: "number", minimum: 0, description: "Weight of the false-negative area above the threshold.", default: 0.95 },
        },
        default: { falsePositive: 0.05, falseNegative: 0.95 },
      },
    },
  },
  /**
   * Two passes over the stored input: the first keeps each record's compact
   * entry (sample rank of its prompt, id; its source spilled, entry-table.ts) for the index, with its
   * compared fields in a scratch file; the second streams the kept records out. Records sharing a rank and
   * an id are ordered by their canonical JSON, read again for just those.
   */
  async *run(ctx) {
    const inputs = Object.values(ctx.inputs);
    if (inputs.length === 0) {
      ctx.fail("", `stage "${ctx.stage}" (dedup/minhash) has nothing to deduplicate`, "add the stage that produces the prompts or pairs to `needs`");
    }
    const { kept, duplicates, stats } = await decide(ctx);
    ctx.log.info(
      `dedup: ${stats.records} records, ${stats.exactRemoved} exact and ${stats.nearRemoved} near duplicates removed` +
        (stats.bands
          ? ` (LSH ${stats.bands.bands} bands × ${stats.bands.rows} rows, ${stats.candidatePairs} candidate pairs, ${stats.verifiedPairs} at or above the threshold)`
          : "") +
        (stats.oversizedBuckets
          ? `; ${stats.oversizedBuckets} LSH buckets held over ${FULL_BUCKET} texts and were paired with their first member and neighbours only`
          : ""),
    );
    let index = 0;
    for await (const { rec } of inputRecords(ctx.inputs)) {
      if (kept[index]) {
        const list = duplicates.get(index);
        yield list ? { ...rec, duplicates: list } : rec;
      }
      index++;
    }
  },
});

/**
 * The first pass: each record's compact entry, its compared texts spilled to a
 * scratch file (removed when done), then which records to keep.
 */
async function decide(ctx: PluginContext<DedupOptions>): Promise<Decisions & { stats: DedupStats }> {
  const { dedupEntries } = await import("./core.js");
  const { EntryTable } = await import("./entry-table.js");
  const { sampleRankOf } = await import("./keep-order.js");
  const { recordFields } = await import("./fields.js");
  const { SpilledValues } = await import("./field-values.js");
  const rankOf = sampleRankOf((id) => ctx.sample.rank(id));
  const entries = new EntryTable(rankOf);
  const values = new SpilledValues();
  try {
    for await (const { rec } of inputRecords(ctx.inputs)) {
      values.add(recordFields(rec, ctx.with.fields));
      entries.add(rec);
    }
    const services = { memo: ctx.memo, pool: ctx.pool, tally: ctx.tally, progress: ctx.progress, signal: ctx.signal };
    return await dedupEntries(entries, values, (tied) => tieLines(ctx.inputs, tied), ctx.with, services);
  } finally {
    values.close();
    entries.close();
  }
}

/** The canonical JSON of the records at these input positions. */
async function tieLines(inputs: PluginContext["inputs"], indexes: number[]): Promise<Map<number, string>> {
  const wanted = new Set(indexes);
  const lines = new Map<number, string>();
  let index = 0;
  for await (const { rec } of inputRecords(inputs)) if (wanted.has(index++)) lines.set(index - 1, canonicalJson(rec));
  return lines;
}
