/**
 * Built-in stages stream their input in bounded batches (and take two passes
 * where they need global knowledge): fed an input several batches long, each
 * gives exactly what it gives record by record, or what the whole-input
 * in-memory computation gives.
 */
import { describe, expect, it } from "vitest";
import { contentId } from "../../src/engine/hash.js";
import type { Rec } from "../../src/engine/plugin.js";
import { createPool } from "../../src/engine/pool.js";
import { dedupRecords } from "../../src/plugins/dedup/core.js";
import minhash from "../../src/plugins/dedup/minhash.js";
import exportIterations from "../../src/plugins/export/iterations.js";
import { splitAndOrder } from "../../src/plugins/export/order.js";
import { readPairs } from "../../src/plugins/export/pairs.js";
import rubricJudge from "../../src/plugins/judge/rubric.js";
import preference from "../../src/plugins/pair/preference.js";
import { sampleRank } from "../../src/engine/sample/order.js";
import { sampleRankOf } from "../../src/plugins/dedup/keep-order.js";
import { serialiseRecords } from "../../src/engine/records.js";
import { runPlugin } from "../support/run-plugin.js";

/** More records than two judge batches (32 each). */
const N = 70;

function rand(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rand(7);
const vocabulary = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}${"aeiou"[i % 5]}`);
const sentence = (n: number) => Array.from({ length: n }, () => vocabulary[Math.floor(r() * vocabulary.length)]).join(" ");

const candidateRecords: Rec[] = Array.from({ length: N }, (_, i) => {
  const prompt = `${sentence(10)} #${i}`;
  const id = contentId("prompt", prompt);
  const candidates = ["a", "b", "c", "d"].map((m, k) => ({
    id: contentId("candidate", id, m, 0),
    text: Array.from({ length: 1 + ((i + k) % 5) }, () => sentence(8 + k * 3) + ".").join(k % 2 ? "\n" : " "),
    model: `recorded:${m}`,
    finish: "recorded",
    flags: [],
  }));
  return { id, prompt, meta: { dataset: `set${i % 3}` }, candidates };
});

const judgeWith = {
  rubric: "rubrics/helpfulness.yaml",
  judges: [
    { id: "fitted", type: "offline", scorers: ["harm", "preference"], weights: "rubrics/offline-weights.json" },
    { id: "consensus", type: "offline", scorers: ["harm", "consensus"], criteria: { completeness: "preference" }, weights: "rubrics/offline-weights.json" },
  ],
};

/** The stage run on each record alone, outputs concatenated (in artifact order). */
async function oneByOne(plugin: Parameters<typeof runPlugin>[0], withBlock: Record<string, unknown>, records: Rec[]): Promise<string> {
  const lines: string[] = [];
  for (const rec of records) {
    const run = await runPlugin(plugin, { with: withBlock, inputs: { in: [rec] }, jobs: 1 });
    if (run.text) lines.push(run.text);
  }
  return lines.join("").split("\n").filter(Boolean).sort().join("\n");
}
const sortedLines = (text: string) => text.split("\n").filter(Boolean).sort().join("\n");

describe("streamed stages equal their unbatched results", () => {
  let judged: Rec[] = [];
  let pairs: Rec[] = [];

  it("judge/rubric: several pool batches give what judging each record alone gives", async () => {
    const streamed = await runPlugin(rubricJudge, { with: judgeWith, inputs: { in: candidateRecords }, jobs: 2 });
    expect(streamed.records).toHaveLength(N);
    expect(sortedLines(streamed.text)).toBe(await oneByOne(rubricJudge, judgeWith, candidateRecords));
    judged = streamed.records;
  });

  it("pair/preference: the streamed pairs are the per-record pairs", async () => {
    const w = { strategy: "all-above-margin", minMargin: 0 };
    const streamed = await runPlugin(preference, { with: w, inputs: { in: judged } });
    expect(streamed.records.length).toBeGreaterThan(N);
    expect(sortedLines(streamed.text)).toBe(await oneByOne(preference, w, judged));
    expect(streamed.trace.tallies["pairs.made"]).toBe(streamed.records.length);
    pairs = streamed.records;
  });

  it("export/iterations: the two-pass export holds the slices the whole-input split and order give", async () => {
    const w = { iterations: [20, 60], eval: { size: 15 }, formats: ["trl"], stratifyBy: "meta.dataset" };
    const run = await runPlugin(exportIterations, { with: w, inputs: { pairs }, seed: 3 });
    const whole = readPairs(pairs, "pairs", "meta.dataset");
    // Without a build's sample order, ctx.sample.rank(id) is sampleRank(seed, id) (src/engine/sample/order.ts).
    const split = splitAndOrder(whole, 15, (id) => sampleRank(3, id));
    const rank = new Map(run.records.map((m) => [m.id, m]));
    split.train.forEach((p, i) => expect(rank.get(p.id)).toMatchObject({ split: i < 60 ? "train" : "unused", rank: i + 1 }));
    split.eval.forEach((p, i) => expect(rank.get(p.id)).toMatchObject({ split: "eval", rank: i + 1 }));
    const train = [...run.published].find(([path]) => path === "iter-0060/train.trl.jsonl");
    expect(train, [...run.published.keys()].join(", ")).toBeDefined();
    const prompts = Buffer.from(train![1]).toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).prompt);
    // TRL's plain format renders the prompt as "\n\nHuman: …\n\nAssistant:".
    expect(prompts).toEqual(split.train.slice(0, 60).map((p) => `\n\nHuman: ${p.prompt}\n\nAssistant:`));
  });

  it("dedup/minhash: two passes over two inputs (shared ids included) keep what whole-input dedup in sample order keeps", async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `${sentence(14)} #${i}`);
    const copies = texts.slice(0, 40).map((t) => t.replace(/^\S+/, "changed"));
    const rec = (prompt: string, k: number): Rec => ({ id: contentId("prompt", prompt), prompt, source: { file: "p.jsonl", line: k } });
    const a = [...texts, ...copies].map(rec);
    // The same ids again from a second stage, with other content: ties broken by canonical JSON.
    const b = texts.slice(0, 25).map((t, k) => ({ ...rec(t, 5000 + k), extra: k }));
    const streamed = await runPlugin(minhash, { with: {}, inputs: { a, b } });
    const pool = createPool(1);
    try {
      const w = { fields: ["prompt"], exact: true, near: true, threshold: 0.8, numPerm: 128, shingle: "word", ngram: 3, unspaced: "char", lshWeights: { falsePositive: 0.05, falseNegative: 0.95 } } as const;
      // The plugin's keep order: the sample rank of each record's prompt (runPlugin's seed is 1), ties by id, then canonical JSON.
      const rankOf = sampleRankOf((id) => sampleRank(1, id));
      const whole = await dedupRecords([...a, ...b], w, { memo: (_key, fn) => fn(), pool, tally() {}, rankOf });
      expect(streamed.records.length).toBeLessThan(a.length);
      expect(streamed.records.some((x) => Array.isArray(x.duplicates))).toBe(true);
      expect(streamed.text).toBe(serialiseRecords(whole.records));
    } finally {
      await pool.close();
    }
  });
});

