import { afterEach, describe, expect, it } from "vitest";
import { prepareIteration } from "../../src/cli/iteration/prepare.js";
import { findIteration, iterationGrowth } from "../../src/cli/iteration/target.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { recordingReporter } from "../support/harness.js";
import { IterationProject } from "./project.js";

const projects: IterationProject[] = [];
afterEach(() => projects.splice(0).forEach((p) => p.remove()));

/** Two offline judges that disagree often, agreement flagging what they dispute, and a gate on the disputed share. */
const config = (max: number) => `version: 1
project: disputed-share
seed: 3
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/recorded
    needs: prompts
    with: { n: 2, files: [data/alpaca-7b.jsonl, data/falcon-7b-instruct.jsonl] }
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/mini.yaml
      judges:
        - { id: long, type: offline, scorers: [length], criteria: { correctness: length, clarity: length } }
        - { id: plain, type: offline, scorers: [readability], criteria: { correctness: readability, clarity: readability } }
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0 }
  agreement:
    uses: quality/agreement
    needs: pairs
    with: { filter: flag }
  export:
    uses: export/iterations
    needs: agreement
    with:
      iterations: [10, { size: 30, gate: [{ metric: agreement.pairs.disputed.share, max: ${max} }] }]
      formats: [trl-conversational]
`;

function project(max: number): IterationProject {
  const p = new IterationProject("http://127.0.0.1:9/v1");
  p.write("dpo.config.yaml", config(max));
  projects.push(p);
  return p;
}

describe("quality/agreement's disputed share, as a gate metric", () => {
  it("tallies pairs.disputed.share = disputed / checked; a gate's max holds it", async () => {
    const strict = project(0.2);
    const c = await strict.load();
    expect((await strict.build(c, iterationGrowth(findIteration(c, "iter-0010")))).ok).toBe(true);
    const t = JSON.parse(strict.read("dpo.lock")).stages.agreement.tallies;
    expect(t["pairs.disputed.share"]).toBeGreaterThan(0.2); // these two judges disagree a lot
    expect(t["pairs.disputed.share"]).toBe(Math.round((t["pairs.disputed"] / t["pairs.checked"]) * 1e4) / 1e4);

    // max 0.2: refused, with the threshold and the measured share.
    let refusal: unknown;
    try {
      prepareIteration(c, { iteration: "iter-0030" }, recordingReporter().reporter);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(DpoError);
    expect((refusal as DpoError).exitCode).toBe(1);
    expect((refusal as DpoError).diagnostics[0]!.message).toContain(`agreement.pairs.disputed.share <= 0.2: measured ${t["pairs.disputed.share"]} — not met`);

    // A max at the measured share passes.
    const loose = project(t["pairs.disputed.share"]);
    const l = await loose.load();
    expect((await loose.build(l, iterationGrowth(findIteration(l, "iter-0010")))).ok).toBe(true);
    const { reporter, infos } = recordingReporter();
    expect(prepareIteration(l, { iteration: "iter-0030" }, reporter).growth).toBeDefined();
    expect(infos.join("\n")).toContain(`agreement.pairs.disputed.share <= ${t["pairs.disputed.share"]}: measured ${t["pairs.disputed.share"]} — met`);
  }, 60_000);
});
