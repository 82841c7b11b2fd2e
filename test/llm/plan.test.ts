import { describe, expect, it } from "vitest";
import { planCandidates } from "../../src/plugins/generate/llm-plan.js";

describe("planCandidates", () => {
  const models = [{ provider: "p", model: "a" }, { provider: "p", model: "b" }];
  const variants = [{ temperature: 0.2 }, { temperature: 0.7 }, { temperature: 1, seed: 10 }];
  const brief = (n: number) => planCandidates(models, variants, n).map((c) => `${c.model}@${c.params.temperature}#${c.sample}`);

  it("goes round the models first, then the variants, so fewer candidates than combinations still use every model", () => {
    expect(brief(4)).toEqual(["a@0.2#0", "b@0.2#0", "a@0.7#0", "b@0.7#0"]);
    expect(brief(2)).toEqual(["a@0.2#0", "b@0.2#0"]);
  });

  it("starts again with a new sample index past models × variants, and moves a fixed seed on", () => {
    const plan = planCandidates(models, variants, 8);
    expect(plan.map((c) => `${c.model}@${c.params.temperature}#${c.sample}`)).toEqual([
      "a@0.2#0", "b@0.2#0", "a@0.7#0", "b@0.7#0", "a@1#0", "b@1#0", "a@0.2#1", "b@0.2#1",
    ]);
    expect(plan[4]!.params.seed).toBe(10);
    expect(planCandidates(models, variants, 12)[10]!.params.seed).toBe(11);
  });
});
