import { afterEach, describe, expect, it } from "vitest";
import { measureGate } from "../../src/cli/iteration/gates.js";
import { prepareIteration, warnGates } from "../../src/cli/iteration/prepare.js";
import { iterationLines } from "../../src/cli/iteration/status.js";
import { findIteration, iterationGrowth } from "../../src/cli/iteration/target.js";
import type { ProjectConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { LockFile } from "../../src/engine/lock.js";
import { judgeReply } from "../e2e/helpers.js";
import { recordingReporter } from "../support/harness.js";
import { closedAfterAll } from "../llm/helpers.js";
import { IterationProject } from "./project.js";

const servers = closedAfterAll();
const projects: IterationProject[] = [];
afterEach(() => projects.splice(0).forEach((p) => p.remove()));

async function project(gate: string): Promise<IterationProject> {
  const server = await servers.server({ reply: judgeReply });
  const p = new IterationProject(server.baseUrl, `, gate: [{ metric: ${gate} }]`);
  projects.push(p);
  return p;
}

function refusal(f: () => unknown): DpoError {
  try {
    f();
  } catch (e) {
    if (e instanceof DpoError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("gates between iterations", () => {
  it("refuses iter-0030 (exit 1) when iter-0010's measurement misses the threshold; --force builds it and records that", async () => {
    const p = await project("pairs.pairs.made, min: 1000");
    const config = await p.load();
    expect((await p.build(config, iterationGrowth(findIteration(config, "iter-0010")))).ok).toBe(true);
    const made = JSON.parse(p.read("dpo.lock")).stages.pairs.tallies["pairs.made"];

    const e = refusal(() => prepareIteration(config, { iteration: "iter-0030" }, recordingReporter().reporter));
    expect(e.exitCode).toBe(1);
    expect(e.diagnostics[0]!.message).toContain(`pairs.pairs.made >= 1000: measured ${made} — not met`);
    expect(e.diagnostics[0]!.hint).toContain("revise the rubric");
    expect(e.diagnostics[0]!.hint).toContain("--force");
    expect(iterationLines(config).join("\n")).toMatch(/iteration iter-0010 \(export\): built: 10 train pairs from \d+ prompts consumed/);
    expect(iterationLines(config).join("\n")).toContain("iteration iter-0030 (export): not built");
    expect(iterationLines(config).join("\n")).toContain("gate failed");

    const before = p.files("iter-0010");
    const forced = prepareIteration(config, { iteration: "iter-0030", force: true }, recordingReporter().reporter);
    expect((await p.build(forced.config, forced.growth)).ok).toBe(true);
    const m = p.manifest("iter-0030");
    expect(m.gate.thresholds).toEqual([{ metric: "pairs.pairs.made", min: 1000 }]);
    expect(m.gate.forced[0]).toContain("not met");
    expect(p.read("out/iter-0030/README.md")).toContain("Built with `--force` although its gate did not pass");
    expect(p.manifest("iter-0010").gate).toBeUndefined();
    expect(p.files("iter-0010")).toEqual(before);
  }, 60_000);

  it("a missing measurement refuses with what to build first; a full build only warns", async () => {
    const p = await project("probe.eval.accuracy, min: 0.6");
    const config = await p.load();
    const e = refusal(() => prepareIteration(config, { iteration: "iter-0030" }, recordingReporter().reporter));
    expect(e.diagnostics[0]!.message).toContain("probe.eval.accuracy >= 0.6: not measured — missing");
    expect(e.diagnostics[0]!.hint).toContain("build iter-0010 and its probe first");
    // The first iteration has no previous one to measure: nothing to refuse.
    expect(prepareIteration(config, { iteration: "iter-0010" }, recordingReporter().reporter).growth).toBeDefined();

    expect((await p.build(config)).ok).toBe(true);
    const { reporter, warnings } = recordingReporter();
    warnGates(config, reporter);
    expect(warnings).toEqual([expect.stringContaining("gate of iter-0030 (measured on iter-0010) is not measured yet")]);
  }, 60_000);

  it("reads a command/run stage's metric for the previous iteration, any other stage's tally as it is", () => {
    const config = {
      stages: {
        probe: { plugin: { name: "command/run" } },
        agreement: { plugin: { name: "quality/agreement" } },
      },
    } as unknown as ProjectConfig;
    const lock = { version: 1, stages: { probe: { tallies: { "iter-0100.eval.accuracy": 0.7, "iter-0500.eval.accuracy": 0.1 } }, agreement: { tallies: { "agreement.alpha.overall": 0.3 } } } } as unknown as LockFile;
    const target = { stage: "export", name: "iter-0500", size: 500, evalSize: 0, previous: "iter-0100", gate: [
      { metric: "probe.eval.accuracy", min: 0.6 },
      { metric: "agreement.agreement.alpha.overall", min: 0.4 },
      { metric: "agreement.agreement.alpha.overall", max: 0.4 },
    ] };
    expect(measureGate(config, lock, target).map((m) => [m.value, m.met])).toEqual([[0.7, true], [0.3, false], [0.3, true]]);
  });
});
