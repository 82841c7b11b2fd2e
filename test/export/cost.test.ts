import { describe, expect, it } from "vitest";
import { sampleOrder } from "../../src/engine/sample/order.js";
import { costOfRecord, iterationCost } from "../../src/plugins/export/cost.js";
import { JudgeCosts } from "../../src/plugins/judge/judge-costs.js";
import { recordCost } from "../../src/providers/record-cost.js";

const priced = { input: 2, output: 10 };

describe("export/cost: what the consumed prompts cost", () => {
  it("sums a record's own cost and its candidates' (not a pair's chosen/rejected), marking estimates and unpriced calls", () => {
    const gen = recordCost([{ prompt: 10, completion: 5 }], priced);
    const judge = recordCost([{ prompt: 100, completion: 20, estimated: true }, { prompt: 100, completion: 20 }], undefined);
    expect(judge).toEqual({ calls: 2, prompt: 200, completion: 40, estimated: 120, unpriced: 2 });
    const record = { id: "p1", candidates: [{ id: "c1", cost: { generate: gen, "judge:j": judge } }, { id: "c2" }], chosen: { cost: { generate: gen } } };
    expect(costOfRecord(record)).toEqual({ calls: 3, prompt: 210, completion: 45, estimated: 120, usd: 0.00007, unpriced: 2 });
    expect(costOfRecord({ id: "p2", promptId: "p1", cost: { "judge:pw": gen } })).toEqual(gen);
  });

  it("counts only prompts up to the consumed place; usd is null when nothing was priced, 0 when nothing was called", () => {
    const order = sampleOrder(1, ["a", "b", "c"]);
    const [first, second] = [0, 1].map((i) => ["a", "b", "c"].find((id) => order.position(id) === i + 1)!);
    const byPrompt = new Map([
      [first!, recordCost([{ prompt: 1, completion: 1 }], undefined)],
      [second!, recordCost([{ prompt: 1000, completion: 1000 }], undefined)],
    ]);
    expect(iterationCost({ from: ["judge"], byPrompt }, 1, order)).toEqual({ from: ["judge"], calls: 1, tokens: { prompt: 1, completion: 1, estimated: 0 }, usd: null, unpricedCalls: 1 });
    expect(iterationCost({ from: ["judge"], byPrompt: new Map() }, 3, order).usd).toBe(0);
  });

  it("puts the judges' costs on candidates with sorted keys, whichever judge answered first", () => {
    const costs = new JudgeCosts();
    costs.sink("c1", "z")(recordCost([{ prompt: 1, completion: 1 }], priced));
    costs.sink("c1", "a")(recordCost([{ prompt: 2, completion: 2 }], priced));
    const c = costs.withCosts({ id: "c1", cost: { generate: recordCost([], priced) } });
    expect(Object.keys(c.cost as object)).toEqual(["generate", "judge:a", "judge:z"]);
    const untouched = { id: "c2", text: "x" };
    expect(costs.withCosts(untouched)).toBe(untouched);
  });
});
