/**
 * `--frozen` in a fresh clone (dpo.lock committed, no cache/, no remote
 * cache): a stage whose key is the locked one is rebuilt offline and must give
 * the locked output digest, so CI's check passes without anything stored;
 * a stage that gives another output fails, naming it; a stage whose key
 * differs from the lock still fails without running.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { LockFile } from "../../src/engine/lock.js";
import { filesUnder } from "../e2e/helpers.js";
import { Harness, lines } from "../support/harness.js";

const config = `version: 1
project: frozen-clone
stages:
  a:
    uses: test/items
    with: { path: in.jsonl, suffix: "!" }
  b:
    uses: test/items
    needs: a
    with: { suffix: "?", publish: texts.txt }
`;

const made: Harness[] = [];
const project = (lock?: string) => {
  const h = new Harness({ "in.jsonl": lines(3), "dpo.config.yaml": config, ...(lock ? { "dpo.lock": lock } : {}) });
  made.push(h);
  return h;
};
afterEach(() => {
  for (const h of made.splice(0)) h.remove();
});

describe("--frozen in a fresh clone", () => {
  it("rebuilds the locked stages offline to their locked digests and passes, writing the same out/", async () => {
    const first = project();
    await first.build();
    const clone = project(first.read("dpo.lock"));
    const frozen = await clone.build("frozen");
    expect(frozen.ok).toBe(true);
    expect(frozen.outcomes.map((o) => o.status)).toEqual(["ran", "ran"]);
    expect(filesUnder(clone.dir, "out")).toEqual(filesUnder(first.dir, "out"));
    expect(clone.read("dpo.lock")).toBe(first.read("dpo.lock"));
    expect((await clone.build("frozen")).outcomes.map((o) => o.status)).toEqual(["cached", "cached"]);
  });

  it("fails a rebuilt stage whose output is not the locked one", async () => {
    const first = project();
    await first.build();
    const lock = JSON.parse(first.read("dpo.lock")) as LockFile;
    lock.stages.a!.output = "0".repeat(64) as never;
    const clone = project(JSON.stringify(lock, null, 2) + "\n");
    const frozen = await clone.build("frozen");
    expect(frozen.ok).toBe(false);
    const a = frozen.stage.a!;
    expect(a.status === "failed" && a.diagnostics[0]!.message).toMatch(/^--frozen: stage "a" was rebuilt \(its stored output is missing\) and gave [0-9a-f]{12}, not 000000000000 as in dpo\.lock/);
    expect(frozen.stage.b!.status).toBe("blocked");
  });

  it("still fails, running nothing, a stage whose inputs changed", async () => {
    const first = project();
    await first.build();
    const clone = project(first.read("dpo.lock"));
    clone.write("in.jsonl", lines(4));
    const frozen = await clone.build("frozen");
    expect(frozen.ok).toBe(false);
    expect(clone.activity.runs).toEqual({});
    const a = frozen.stage.a!;
    expect(a.status === "failed" && a.diagnostics[0]!.message).toMatch(/^--frozen: stage "a" does not match dpo\.lock and would be recomputed/);
  });
});
