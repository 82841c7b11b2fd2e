import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import { canonicalJson, contentId } from "../../src/engine/hash.js";
import { memoryMemo } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import { createPool } from "../../src/engine/pool.js";
import { serialiseRecords } from "../../src/engine/records.js";
import { sampleRank } from "../../src/engine/sample/order.js";
import { dedupRecords, type DedupOptions } from "../../src/plugins/dedup/core.js";
import minhash from "../../src/plugins/dedup/minhash.js";
import { runPlugin } from "../support/run-plugin.js";
import { prompts, promptRecord, records, replaceWords, shuffled, trigramJaccard } from "./helpers.js";

// AlpacaEval holds a family of templated prompts ("I like to host guests … recipe for X?"),
// real near duplicates of each other: they get their own test, not the planted ones.
const isTemplated = (p: string) => p.startsWith("I like to host guests");
const templated = prompts.filter(isTemplated);
const long = prompts.slice(0, 60).filter((p) => !isTemplated(p));
const short = prompts.slice(60);

// Near duplicates: one word replaced in the middle of a long prompt.
const positives = long
  .slice(0, 20)
  .map((p) => ({ original: p, copy: replaceWords(p, 1e6, Math.floor(p.split(" ").length / 2)) }))
  .map((x) => ({ ...x, j: trigramJaccard(x.original, x.copy) }))
  .filter((x) => x.j >= 0.82);
// Below the threshold: every fourth word replaced.
const negatives = long
  .slice(20, 35)
  .map((p) => ({ original: p, copy: replaceWords(p, 4, 1) }))
  .map((x) => ({ ...x, j: trigramJaccard(x.original, x.copy) }));
// Exact duplicates after normalisation: case, white space, compatibility forms (NFKC).
const variants = long.slice(35, 40).map((p) => ({
  original: p,
  copy: `  ${p.toUpperCase().replace(/ /g, " \t ")}\n`.replace(/A/g, "Ａ"),
}));

const corpusTexts = [
  ...positives.flatMap((x) => [x.original, x.copy]),
  ...negatives.flatMap((x) => [x.original, x.copy]),
  ...variants.map((x) => x.original),
  ...long.slice(40),
  ...short,
];
// Exact variants normalise to the same prompt and so share its id: give them their own source line.
const corpus: Rec[] = [...records(corpusTexts), ...variants.map((x, i) => promptRecord(x.copy, 1000 + i))];

const idOf = (text: string) => promptRecord(text).id;

describe("dedup/minhash on AlpacaEval prompts", () => {
  it("has a meaningful fixture: enough planted pairs on both sides of the threshold", () => {
    expect(positives.length).toBeGreaterThanOrEqual(12);
    for (const n of negatives) expect(n.j).toBeLessThan(0.75);
  });

  it("removes planted near duplicates, keeps the earliest in sample order and records the exact similarity", async () => {
    const { records: out, trace } = await runPlugin(minhash, { with: {}, inputs: { prompts: corpus } });
    const byId = new Map(out.map((r) => [r.id, r]));
    const rank = (id: string) => sampleRank(1, id); // runPlugin's seed
    for (const { original, copy, j } of positives) {
      const [keep, drop] = [idOf(original), idOf(copy)].sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
      expect(byId.has(drop!)).toBe(false);
      const kept = byId.get(keep!)!;
      expect(kept.duplicates).toContainEqual({
        id: drop,
        similarity: Math.round(j * 1e4) / 1e4,
        source: expect.objectContaining({ file: "datasets/prompts.jsonl" }),
      });
    }
    expect(trace.tallies["dedup.near_removed"]).toBe(positives.length);
  });

  it("keeps both sides of pairs below the threshold", async () => {
    const { records: out } = await runPlugin(minhash, { with: {}, inputs: { prompts: corpus } });
    const ids = new Set(out.map((r) => r.id));
    for (const { original, copy } of negatives) {
      expect(ids.has(idOf(original))).toBe(true);
      expect(ids.has(idOf(copy))).toBe(true);
    }
  });

  it("with the exact pass off, leaves identical texts to the near pass (similarity 1), and with both off removes nothing", async () => {
    const near = await runPlugin(minhash, { with: { exact: false }, inputs: { prompts: corpus } });
    const both = await runPlugin(minhash, { with: {}, inputs: { prompts: corpus } });
    expect(near.trace.tallies["dedup.exact_removed"]).toBe(0);
    expect(near.trace.tallies["dedup.near_removed"]).toBe(both.trace.tallies["dedup.exact_removed"]! + both.trace.tallies["dedup.near_removed"]!);
    expect(near.records.map((r) => r.id)).toEqual(both.records.map((r) => r.id));
    const none = await runPlugin(minhash, { with: { exact: false, near: false }, inputs: { prompts: corpus } });
    expect(none.records).toHaveLength(corpus.length);
  });

  it("removes exact duplicates after normalisation (case, white space, NFKC)", async () => {
    const { records: out, trace } = await runPlugin(minhash, { with: { near: false }, inputs: { prompts: corpus } });
    expect(trace.tallies["dedup.exact_removed"]).toBe(variants.length);
    expect(trace.tallies["dedup.near_removed"]).toBe(0);
    expect(out.length).toBe(corpus.length - variants.length);
    for (const { original } of variants) {
      const kept = out.filter((r) => r.id === idOf(original));
      expect(kept).toHaveLength(1);
      // Same id (same normalised prompt): the tie goes to the smaller canonical JSON.
      const twins = corpus.filter((r) => r.id === idOf(original));
      const first = twins.map((r) => canonicalJson(r)).sort()[0]!;
      const { duplicates, ...rest } = kept[0]!;
      expect(canonicalJson(rest)).toBe(first);
      expect(duplicates).toEqual([{ id: idOf(original), similarity: 1, source: expect.anything() }]);
    }
    expect(trace.tallies["dedup.clusters"]).toBe(variants.length);
  });

  it("keeps everything when there are no duplicates", async () => {
    const { records: out, trace } = await runPlugin(minhash, { with: {}, inputs: { prompts: records(short) } });
    expect(out.length).toBe(short.length);
    expect(out.every((r) => r.duplicates === undefined)).toBe(true);
    expect(trace.tallies).toEqual({ "dedup.exact_removed": 0, "dedup.near_removed": 0, "dedup.clusters": 0 });
    const empty = await runPlugin(minhash, { with: {}, inputs: { prompts: [] } });
    expect(empty.records).toEqual([]);
  });

  it("stays linear on thousands of near-identical texts (one filled-in template), and clusters them", async () => {
    const base = long[0]!;
    const texts = Array.from({ length: 3_000 }, (_, i) => `${base} Reference number ${i}.`);
    const { records: out, logs } = await runPlugin(minhash, { with: {}, inputs: { prompts: records(texts) } });
    expect(out).toHaveLength(1);
    expect((out[0]!.duplicates as unknown[]).length).toBe(2_999);
    const log = logs.join("\n");
    expect(log).toMatch(/LSH buckets held over 256 texts/);
    // All with all would be ~4.5 million pairs; star and chain is under 2 per text and band.
    const pairs = Number(/(\d+) candidate pairs/.exec(log)?.[1]);
    expect(pairs).toBeGreaterThan(2_999);
    expect(pairs).toBeLessThan(2 * 3_000 * 16);
  });

  it("gives byte-identical output with 1 or 4 workers", async () => {
    const one = await runPlugin(minhash, { with: {}, inputs: { prompts: corpus }, jobs: 1 });
    const four = await runPlugin(minhash, { with: {}, inputs: { prompts: corpus }, jobs: 4 });
    expect(four.text).toBe(one.text);
    expect(one.records.length).toBe(corpus.length - positives.length - variants.length);
  });

  it("does not depend on input order (core called directly with shuffled records)", async () => {
    const options = { ...defaults() };
    const pool = createPool(2);
    try {
      const services = () => ({ memo: memoMemoFn().fn, pool, tally() {} });
      const a = await dedupRecords(corpus, options, services());
      const b = await dedupRecords(shuffled(corpus), options, services());
      const c = await dedupRecords(shuffled(corpus, 99), options, services());
      expect(serialiseRecords(b.records)).toBe(serialiseRecords(a.records));
      expect(serialiseRecords(c.records)).toBe(serialiseRecords(a.records));
    } finally {
      await pool.close();
    }
  });

  it("memoises signatures a chunk at a time: adding 2 records to 10,000 re-signs only the chunks they land in", async () => {
    const memo = memoMemoFn();
    const vocabulary = prompts.join(" ").split(/\s+/);
    let seed = 7;
    const word = () => vocabulary[(seed = (seed * 48271) % 2147483647) % vocabulary.length];
    const base = records(Array.from({ length: 10_000 }, () => Array.from({ length: 12 }, word).join(" ")));
    const pool = createPool(2);
    try {
      const first = await dedupRecords(base, defaults(), { memo: memo.fn, pool, tally() {} });
      expect(first.stats.signed).toBe(base.length);
      const again = await dedupRecords(base, defaults(), { memo: memo.fn, pool, tally() {} });
      expect(again.stats.signed).toBe(0);
      const added = records(["a record nobody wrote before, first", "a record nobody wrote before, second"]);
      const grown = await dedupRecords([...base, ...added], defaults(), { memo: memo.fn, pool, tally() {} });
      // About 2 × 2 × AVERAGE_ROWS texts (a random text lands in a chunk twice the mean size), not 10,002.
      expect(grown.stats.signed).toBeGreaterThan(2);
      expect(grown.stats.signed).toBeLessThan(base.length / 5);
      expect(serialiseRecords(grown.records)).toBe(serialiseRecords((await dedupRecords([...base, ...added], defaults(), { memo: memoMemoFn().fn, pool, tally() {} })).records));
    } finally {
      await pool.close();
    }
  });

  it("serves a build from memoised chunks: no new chunk misses on a rebuild through the plugin", async () => {
    const memo = memoryMemo();
    const base = records([...long, ...short.slice(0, 40)]);
    const first = await runPlugin(minhash, { with: {}, inputs: { prompts: base }, memo });
    expect(first.trace.memoMisses).toBeGreaterThan(0);
    const second = await runPlugin(minhash, { with: {}, inputs: { prompts: base }, memo });
    expect(second.trace.memoMisses).toBe(0);
    expect(second.trace.memoHits).toBe(first.trace.memoMisses);
    expect(second.text).toBe(first.text);
  });

  it("clusters AlpacaEval's own templated near duplicates, each listed with its exact similarity to the kept one", async () => {
    const input = records(templated);
    const { records: out, trace } = await runPlugin(minhash, { with: {}, inputs: { prompts: input } });
    const removed = input.length - out.length;
    expect(removed).toBeGreaterThan(5);
    expect(trace.tallies["dedup.near_removed"]).toBe(removed);
    for (const kept of out) {
      for (const d of (kept.duplicates ?? []) as { id: string; similarity: number }[]) {
        expect(d.id > kept.id).toBe(true);
        const text = input.find((r) => r.id === d.id)!.prompt as string;
        expect(d.similarity).toBe(Math.round(trigramJaccard(kept.prompt as string, text) * 1e4) / 1e4);
      }
    }
  });

  it("signs in the same trip as it normalises on a cold memo, with the same result as a warm one", async () => {
    // More batches (of 1024) than the window in flight: once a batch comes back all misses, the next are signed ahead.
    // One worker makes the window 2, so whatever order the first two batches come back in, batch 4 is asked for
    // after batch 1 was taken: with two workers (window 4) only batch 5 could be, and only if batch 1 was not last.
    const n = 4600;
    const many = records(Array.from({ length: n }, (_, i) => `${prompts[i % 120]} ${prompts[Math.floor(i / 120) % 120]} ${i}`));
    const pool = createPool(1);
    try {
      const memo = memoMemoFn();
      const cold = await dedupRecords(many, defaults(), { memo: memo.fn, pool, tally() {} });
      expect(cold.stats.signedAhead).toBeGreaterThan(0);
      expect(cold.stats.signed).toBe(n);
      const chunks = memo.misses();
      const warm = await dedupRecords(many, defaults(), { memo: memo.fn, pool, tally() {} });
      expect(warm.stats.signedAhead).toBe(0);
      expect(warm.stats.signed).toBe(0);
      expect(memo.misses()).toBe(chunks);
      expect(serialiseRecords(warm.records)).toBe(serialiseRecords(cold.records));
    } finally {
      await pool.close();
    }
  });

  it("renders conversations with their roles", async () => {
    const asUser = promptRecord([{ role: "user", content: long[0]! }]);
    const asAssistant = promptRecord([{ role: "assistant", content: long[0]! }]);
    const again = { ...promptRecord([{ role: "user", content: long[0]!.toUpperCase() }]), source: { file: "b.jsonl", line: 9 } };
    const { records: out } = await runPlugin(minhash, { with: { near: false }, inputs: { prompts: [asUser, asAssistant, again] } });
    expect(out.map((r) => (r.prompt as { role: string }[])[0]!.role).sort()).toEqual(["assistant", "user"]);
  });

  it("reports a record whose field is missing, with where it came from", async () => {
    const bad = { id: "00bad", source: { file: "datasets/p.jsonl", line: 7 }, text: "no prompt here" };
    const run = runPlugin(minhash, { with: {}, inputs: { prompts: [promptRecord(long[0]!), bad] } });
    await expect(run).rejects.toBeInstanceOf(DpoError);
    await expect(run).rejects.toMatchObject({
      diagnostics: [
        expect.objectContaining({
          message: 'record 00bad: field "prompt" should be text or a conversation, found nothing',
          location: { file: "datasets/p.jsonl", line: 7 },
        }),
      ],
    });
  });
});

describe("dedup/minhash on pairs", () => {
  const answer = long[10]!;
  const pair = (prompt: string, chosen: string, n: number): Rec => ({
    id: contentId("pair", prompt, chosen, n),
    promptId: idOf(prompt),
    prompt,
    chosen: { id: `c${n}`, text: chosen, model: "m" },
    rejected: { id: `r${n}`, text: "no", model: "m" },
  });
  const question = short[0]!;
  const pairs = [
    pair(question, answer, 1),
    pair(question, replaceWords(answer, 1e6, 20), 2), // same prompt, answer one word apart
    pair(question, long[12]!, 3), // same prompt, a different answer
  ];

  it("compares prompt and chosen text together with `fields`", async () => {
    const { records: out } = await runPlugin(minhash, { with: { fields: ["prompt", "chosen.text"] }, inputs: { pairs } });
    const nearOnes = [pairs[0]!.id, pairs[1]!.id].sort();
    expect(out.map((r) => r.id).sort()).toEqual([nearOnes[0], pairs[2]!.id].sort());
    const kept = out.find((r) => r.id === nearOnes[0])!;
    expect((kept.duplicates as { id: string }[]).map((d) => d.id)).toEqual([nearOnes[1]]);
  });

  it("with the default fields, pairs with the same prompt are exact duplicates", async () => {
    const { records: out, trace } = await runPlugin(minhash, { with: {}, inputs: { pairs } });
    expect(out).toHaveLength(1);
    expect(out[0]!.id).toBe(pairs.map((p) => p.id).sort()[0]);
    expect(trace.tallies["dedup.exact_removed"]).toBe(2);
  });
});

function defaults(): DedupOptions {
  return {
    fields: ["prompt"],
    exact: true,
    near: true,
    threshold: 0.8,
    numPerm: 128,
    shingle: "word",
    ngram: 3,
    lshWeights: { falsePositive: 0.05, falseNegative: 0.95 },
  };
}

/** A bare memo function over an in-memory store (what ctx.memo does, minus the trace), counting misses. */
function memoMemoFn() {
  const store = new Map<string, Promise<unknown>>();
  let misses = 0;
  const fn = <T>(key: unknown, compute: () => Promise<T>): Promise<T> => {
    const k = JSON.stringify(key);
    if (!store.has(k)) {
      misses++;
      store.set(k, compute());
    }
    return store.get(k) as Promise<T>;
  };
  return { fn, misses: () => misses };
}

describe("texts in scripts without spaces between words", () => {
  // Prompts in Chinese, Japanese and Thai, each with a near copy: one character changed.
  const pairs: [string, string][] = [
    ["请用简单的语言解释一下量子计算机的工作原理以及它和普通计算机有什么区别", "请用简单的语言解释一下量子计算机的工作原理以及它和普通计算器有什么区别"],
    ["日本の四季それぞれの特徴と、季節ごとにおすすめの観光地を教えてください", "日本の四季それぞれの特徴と、季節ごとにおすすめの観光地を教えてくださ。"],
    ["ช่วยอธิบายวิธีทำต้มยำกุ้งแบบดั้งเดิมให้ละเอียดทีละขั้นตอนหน่อยครับ", "ช่วยอธิบายวิธีทำต้มยำกุ้งแบบดั้งเดิมให้ละเอียดทีละขั้นตอนหน่อยคะบ"],
  ];
  const texts = pairs.flat();

  it("are shingled by characters, so a near copy is found", async () => {
    const { records: out } = await runPlugin(minhash, { with: {}, inputs: { prompts: records(texts) } });
    expect(out).toHaveLength(3);
    for (const r of out) expect((r.duplicates as unknown[]).length).toBe(1);
  });

  it("stay whole words with `unspaced: word`, where a one-character change shares no shingle", async () => {
    const { records: out } = await runPlugin(minhash, { with: { unspaced: "word" }, inputs: { prompts: records(texts) } });
    expect(out).toHaveLength(6);
  });

  it("mostly-English text with a few such characters keeps word shingles", async () => {
    const { isMostlyUnspaced } = await import("../../src/plugins/dedup/shingle.js");
    expect(isMostlyUnspaced("Translate the word 猫 into English and explain its origin")).toBe(false);
    expect(isMostlyUnspaced("如何用Python写一个快速排序？")).toBe(true);
    expect(isMostlyUnspaced("plain ascii text")).toBe(false);
  });
});
