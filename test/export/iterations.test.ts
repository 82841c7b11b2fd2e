import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { Rec } from "../../src/engine/plugin.js";
import plugin from "../../src/plugins/export/iterations.js";
import { runPlugin } from "../support/run-plugin.js";
import { alpacaPairs } from "./alpaca-pairs.js";
import { byId, runExport, type ExportRun } from "./helpers.js";
import { sampleRank } from "../../src/engine/sample/order.js";

/** The sample order's rank of a pair's prompt (runPlugin's seed is 1). */
const promptRank = (r: Rec) => sampleRank(1, String(r.promptId));

const pairs = alpacaPairs();
const pairById = byId(pairs);

/** Membership records of one split, in rank order. */
function inSplit(run: ExportRun, split: string): Rec[] {
  return run.records.filter((r) => r.split === split).sort((a, b) => (a.rank as number) - (b.rank as number));
}

function countBy(ids: string[], key: (id: string) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of ids) m.set(key(id), (m.get(key(id)) ?? 0) + 1);
  return m;
}

describe("export/iterations slicing", () => {
  it("uses real pairs: 100 prompts, 196 pairs, 5 datasets", () => {
    expect(pairs).toHaveLength(196);
    expect(new Set(pairs.map((p) => p.promptId)).size).toBe(100);
  });

  it("publishes nested slices of exact size, each the previous one plus more", async () => {
    const run = await runExport({ iterations: [120, 20, 60], eval: { size: 20 } });
    const names = ["iter-0020", "iter-0060", "iter-0120"];
    const trains = names.map((n) => run.file(`${n}/train.trl-conversational.jsonl`));
    expect(trains.map((t) => t.split("\n").filter(Boolean).length)).toEqual([20, 60, 120]);
    expect(trains[1]!.startsWith(trains[0]!)).toBe(true);
    expect(trains[2]!.startsWith(trains[1]!)).toBe(true);

    // Membership records agree with the files: rank n is in every slice of size >= n.
    const train = inSplit(run, "train");
    expect(train).toHaveLength(120);
    expect(train.map((r) => r.rank)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    for (const r of train) {
      expect(r.iterations).toEqual(names.filter((_, i) => [20, 60, 120][i]! >= (r.rank as number)));
    }
    const trl = run.rows("iter-0120/train.trl-conversational.jsonl");
    train.forEach((r, i) => expect((trl[i]!.chosen as { content: string }[])[0]!.content).toBe((pairById.get(r.id)!.chosen as { text: string }).text));

    // Every input pair has exactly one record: nothing silently dropped.
    const unused = inSplit(run, "unused");
    const evalRecs = inSplit(run, "eval");
    expect(train.length + unused.length + evalRecs.length).toBe(pairs.length);
    expect(new Set(run.records.map((r) => r.id)).size).toBe(pairs.length);
    expect(run.trace.tallies).toEqual({
      "pairs.iter-0020": 20,
      "pairs.iter-0060": 60,
      "pairs.iter-0120": 120,
      "pairs.eval": evalRecs.length,
      "pairs.available": train.length + unused.length,
      "pairs.unused": unused.length,
    });
  });

  it("orders the training pairs by their prompt's place in the sample order, after the held-out prompts", async () => {
    const run = await runExport({ iterations: [150], eval: { size: 20 } });
    const order = [...inSplit(run, "eval"), ...inSplit(run, "train"), ...inSplit(run, "unused")];
    const ranks = order.map(promptRank);
    expect(ranks).toEqual([...ranks].sort());
    expect(new Set(order.map((r) => r.id)).size).toBe(pairs.length);
  });

  it("stratifyBy names the strata of the mix it reports, or none", async () => {
    const byModel = await runExport({ iterations: [40], stratifyBy: "rejected.model" });
    const mix = JSON.parse(byModel.file("iter-0040/manifest.json")).train.byStratum as Record<string, number>;
    const rejectedModel = (id: string) => (pairById.get(id)!.rejected as { model: string }).model;
    expect(mix).toEqual(Object.fromEntries(countBy(inSplit(byModel, "train").map((r) => r.id), rejectedModel)));
    const none = await runExport({ iterations: [40], stratifyBy: null });
    expect(JSON.parse(none.file("iter-0040/manifest.json")).train.byStratum).toEqual({ "(none)": 40 });
  });

  it("holds out whole prompts for eval, the first of the sample order, never in a training slice", async () => {
    const run = await runExport({ iterations: [50, 500], eval: { size: 30 } });
    const evalRecs = inSplit(run, "eval");
    expect(evalRecs.length).toBeGreaterThanOrEqual(30);
    expect(evalRecs.length).toBeLessThan(32); // overshoots by less than one prompt's pairs (at most 2 here)
    const evalPrompts = new Set(evalRecs.map((r) => r.promptId as string));
    const others = run.records.filter((r) => r.split !== "eval");
    expect(others.some((r) => evalPrompts.has(r.promptId as string))).toBe(false);
    // Every pair of a held-out prompt is held out.
    for (const p of pairs) if (evalPrompts.has(p.promptId as string)) expect(evalRecs.some((r) => r.id === p.id)).toBe(true);
    // The same eval file in each iteration, and eval pairs list every iteration.
    expect(run.file("iter-0050/eval.trl-conversational.jsonl")).toBe(run.file("iter-0500/eval.trl-conversational.jsonl"));
    expect(run.rows("iter-0050/eval.trl-conversational.jsonl")).toHaveLength(evalRecs.length);
    for (const r of evalRecs) expect(r.iterations).toEqual(["iter-0050", "iter-0500"]);
    // The held-out prompts are the first of the sample order.
    const lastHeld = evalRecs.map(promptRank).sort().at(-1)!;
    expect(others.every((r) => promptRank(r) > lastHeld)).toBe(true);
  });

  it("takes eval as a fraction of all pairs", async () => {
    const run = await runExport({ iterations: [10], eval: { fraction: 0.25 } });
    const n = inSplit(run, "eval").length;
    expect(n).toBeGreaterThanOrEqual(49); // round(0.25 · 196)
    expect(n).toBeLessThan(51);
  });

  it("warns and exports what exists when a slice asks for too much", async () => {
    const run = await runExport({ iterations: [50, 1000], eval: { size: 20 } });
    const available = pairs.length - inSplit(run, "eval").length;
    expect(run.logs).toContain(
      `warn: iteration iter-1000 asks for 1000 pairs, only ${available} exist: exporting ${available} (${pairs.length - available} more are held out for eval)`,
    );
    expect(run.rows("iter-1000/train.trl-conversational.jsonl")).toHaveLength(available);
    expect(run.logs.filter((l) => l.startsWith("warn:"))).toHaveLength(1);
  });

  it("fails with a diagnostic when strict", async () => {
    const err = await runExport({ iterations: [50, 1000], strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    const d = (err as DpoError).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]!.message).toBe(`iteration iter-1000 asks for 1000 pairs, only ${pairs.length} exist: exporting ${pairs.length}`);
    expect(d[0]!.path).toBe("stages.test.with.iterations");
  });

  it("names slices as configured and pads default names to the largest size", async () => {
    const run = await runExport({ iterations: [{ size: 5, name: "warmup" }, 12000] });
    expect([...run.files.keys()].filter((p) => p.endsWith("manifest.json")).sort()).toEqual([
      "iter-12000/manifest.json",
      "warmup/manifest.json",
    ]);
    const dup = await runExport({ iterations: [{ size: 5, name: "a" }, { size: 6, name: "a" }] }).catch((e: unknown) => e);
    expect((dup as DpoError).message).toBe('iteration name "a" is used twice');
  });

  it("is byte-identical across runs and worker counts, and follows the seed", async () => {
    const w = { iterations: [20, 60], eval: { size: 20 }, formats: ["trl", "openai", "hh", "trl-conversational"], extras: true };
    const a = await runExport(w, { jobs: 1 });
    const b = await runExport(w, { jobs: 4 });
    const c = await runExport(w, { jobs: 1, pairs: [...alpacaPairs()].reverse() });
    for (const other of [b, c]) {
      expect(other.text).toBe(a.text);
      expect([...other.files.keys()].sort()).toEqual([...a.files.keys()].sort());
      for (const [path, content] of a.files) expect(other.files.get(path)).toBe(content);
    }
    const reseeded = await runExport(w, { seed: 2 });
    expect(reseeded.file("iter-0020/train.trl-conversational.jsonl")).not.toBe(a.file("iter-0020/train.trl-conversational.jsonl"));
  });
});

describe("export/iterations input errors", () => {
  it("reports bad pair records with their source location", async () => {
    const bad = alpacaPairs();
    bad[3] = { ...bad[3]!, chosen: { id: "x" } };
    bad[7] = { ...bad[7]!, prompt: [{ role: "robot", content: "hi" }] };
    const err = (await runExport({ iterations: [10] }, { pairs: bad }).catch((e: unknown) => e)) as DpoError;
    expect(err).toBeInstanceOf(DpoError);
    expect(err.diagnostics).toHaveLength(2);
    const sorted = [...bad].sort((a, b) => (a.id < b.id ? -1 : 1));
    const first = err.diagnostics.find((d) => d.message.includes(bad[3]!.id))!;
    expect(first.message).toBe(
      `pair ${bad[3]!.id} (record ${sorted.findIndex((p) => p.id === bad[3]!.id) + 1} from stage "pairs") cannot be exported: \`chosen.text\` must be a string`,
    );
    expect(first.location).toEqual(bad[3]!.source);
    expect(err.diagnostics.some((d) => d.message.includes(bad[7]!.id) && d.message.includes("`prompt` must be"))).toBe(true);
  });

  it("needs exactly one upstream stage", async () => {
    const err = (await runPlugin(plugin, { with: {}, inputs: { a: [], b: [] } }).catch((e: unknown) => e)) as DpoError;
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toBe('stage "test" (export/iterations) needs exactly one upstream stage of pairs, got 2');
  });

  it("exports empty files, with a warning per slice, when there are no pairs", async () => {
    const run = await runExport({ iterations: [10] }, { pairs: [] });
    expect(run.logs).toEqual(["warn: iteration iter-0010 asks for 10 pairs, only 0 exist: exporting 0"]);
    expect(run.file("iter-0010/train.trl-conversational.jsonl")).toBe("");
    expect(JSON.parse(run.file("iter-0010/manifest.json")).train.scores.margin).toBeNull();
    expect(run.records).toEqual([]);
  });

  it("refuses a held-out split that leaves nothing to train on", async () => {
    const err = (await runExport({ iterations: [10], eval: { size: 196 } }).catch((e: unknown) => e)) as DpoError;
    expect(err.message).toBe("the held-out split asks for 196 pairs but only 196 exist: nothing would be left for training");
  });
});
