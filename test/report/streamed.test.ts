/**
 * The report streams its inputs: pairs stages and memberships are merge-joined
 * by id, and every figure is added record by record. These tests check the
 * join itself and, on an input far larger than the table and the collectors'
 * first buffers, that the figures equal those computed directly from the
 * records.
 */
import { describe, expect, it } from "vitest";
import type { Artifact, Rec } from "../../src/engine/plugin.js";
import { memoryArtifact } from "../../src/engine/records.js";
import { assemble, type ReportOptions } from "../../src/plugins/report/assemble.js";
import { readInput, type Input } from "../../src/plugins/report/inputs.js";
import { joinPairs } from "../../src/plugins/report/pair-join.js";
import { orderPairStages } from "../../src/plugins/report/pairs-table.js";
import { pair, withAgreement } from "./fixtures.js";

const OPTIONS: ReportOptions = { title: "t", maxPairs: 50, maxClusters: 500, textChars: 600, sourceBy: "meta.dataset", level: "interval" };
const noProblem = () => () => ({ severity: "error" as const, message: "unexpected" });

/** An artifact that counts how many of its passes are open at once. */
function counted(stage: string, records: Rec[], open: { now: number; max: number }): Artifact {
  const inner = memoryArtifact(stage, records);
  return {
    ...inner,
    async *records() {
      open.now++;
      open.max = Math.max(open.max, open.now);
      try {
        yield* inner.records();
      } finally {
        open.now--;
      }
    },
  };
}

describe("the report's pair join", () => {
  it("yields every id once, in id order, as the last stage holding it has it, beside its membership", async () => {
    const pairs = ["a", "b", "c", "d"].map((id) => ({ ...pair(id, { promptId: `q${id}`, dataset: "x", margin: 1, votes: ["chosen", "chosen"], clarity: [2, 1] }), note: "first" }));
    const kept = [pairs[1]!, pairs[3]!].map((p) => ({ ...p, note: "kept" }));
    const memberships = [
      { id: "b", promptId: "qb", split: "train", iterations: ["i1"] },
      { id: "e", promptId: "qe", split: "unused", iterations: [] },
    ];
    const inputs = [await readInput(memoryArtifact("kept", kept)), await readInput(memoryArtifact("pairs", pairs))];
    const joined = [];
    for await (const j of joinPairs(orderPairStages(inputs), await readInput(memoryArtifact("export", memberships)))) {
      joined.push([j.id, j.stage, j.rec?.note, j.membership?.split]);
    }
    expect(joined).toEqual([
      ["a", 0, "first", undefined],
      ["b", 1, "kept", "train"],
      ["c", 0, "first", undefined],
      ["d", 1, "kept", undefined],
      ["e", -1, undefined, "unused"],
    ]);
  });
});

describe("the streamed report", () => {
  const N = 3000; // more prompts than the iterations' first prompt buffer (1,024), and far more pairs than the table shows
  const id = (i: number) => `p${String(i).padStart(5, "0")}`;
  const all = Array.from({ length: N }, (_, i) =>
    pair(id(i), { promptId: `q${i}`, dataset: i % 3 === 0 ? "koala" : "oasst", margin: (i % 7) / 2, votes: i % 5 === 0 ? ["chosen", "rejected"] : ["chosen", "chosen"], clarity: [i % 10, (i * 3) % 10] }),
  );
  // The agreement stage keeps the pairs the judges agree on and drops the rest as disputed.
  const agreed = all.filter((_, i) => i % 5 !== 0).map((p) => withAgreement(p, { share: 1, disputed: false, clarityDisputed: false }));
  const memberships = agreed.map((p, k) => ({ id: p.id, promptId: p.promptId, split: k % 10 === 0 ? "eval" : "train", iterations: k % 2 === 0 ? ["iter-a", "iter-b"] : ["iter-b"] }));

  it("computes from one open pass per stage what the records say", async () => {
    const open = { now: 0, max: 0 };
    const inputs: Input[] = [];
    for (const [stage, recs] of [["pairs", all], ["agreement", agreed], ["export", memberships]] as const) inputs.push(await readInput(counted(stage, recs, open)));
    const d = await assemble(inputs, OPTIONS, noProblem);
    expect(open.max).toBe(3); // the join holds the three stages open together, each once

    const dropped = N - agreed.length;
    // The first maxPairs, then as many disputed pairs again: the rest are counted, not kept.
    const disputedAfter = all.slice(OPTIONS.maxPairs).filter((_, i) => (i + OPTIONS.maxPairs) % 5 === 0).length;
    expect([d.table.total, d.table.disputed, d.table.rows.length]).toEqual([N, dropped, 2 * OPTIONS.maxPairs]);
    expect(d.table.rows.slice(OPTIONS.maxPairs).every((r) => r.dispute === "pair")).toBe(true);
    expect(d.table.note).toBe(`showing ${2 * OPTIONS.maxPairs} of ${N} pairs: the first ${OPTIONS.maxPairs} by id and the first ${OPTIONS.maxPairs} disputed pairs after them, not ${disputedAfter - OPTIONS.maxPairs} more (raise \`maxPairs\` to show more)`);
    expect(d.table.rows.filter((r) => r.fate === "dropped by agreement (disputed)").length).toBe(d.table.rows.filter((r) => r.dispute === "pair").length);
    expect(d.distributions.overall.deltas.length).toBe(N);
    expect(d.distributions.criteria.get("clarity")!.chosen).toEqual(all.map((_, i) => i % 10));

    const evalCount = memberships.filter((m) => m.split === "eval").length;
    const trainIn = (name: string) => memberships.filter((m) => m.split === "train" && m.iterations.includes(name));
    const margins = (ms: readonly { id: string }[]) => ms.map((m) => agreed.find((p) => p.id === m.id)!.margin as number).sort((a, b) => a - b);
    for (const row of d.iterations!.rows) {
      const members = [...trainIn(row.name), ...memberships.filter((m) => m.split === "eval")];
      const expected = margins(members);
      expect([row.train, row.eval, row.prompts]).toEqual([trainIn(row.name).length, evalCount, new Set(members.map((m) => m.promptId)).size]);
      expect(row.marginMean).toBe(expected.reduce((s, v) => s + v, 0) / expected.length);
      expect(row.sources.koala! + row.sources.oasst!).toBe(members.length);
    }
    expect(d.iterations!.rows.map((r) => r.name)).toEqual(["iter-a", "iter-b"]);
    expect(d.agreement!.withAgreement).toBe(agreed.length);
  });
});
