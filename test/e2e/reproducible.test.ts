/**
 * Reproducibility end to end: the whole built-in pipeline on real (trimmed)
 * AlpacaEval data, built in separate clean copies of a project, must give
 * byte-identical locks, stored objects and published files, whatever the
 * number of worker threads; `--frozen` and `dpo verify` must catch drift.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, TempProject } from "../support/project.js";
import { alpacaData, filesUnder } from "./helpers.js";

const MODELS = ["alpaca-7b", "claude-2.1", "falcon-7b-instruct"];

const config = `version: 1
project: reproducible-e2e
seed: 11
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  unique-prompts:
    uses: dedup/minhash
    needs: prompts
  candidates:
    uses: generate/recorded
    needs: unique-prompts
    with:
      n: 3
      files: [${MODELS.map((m) => `data/${m}.jsonl`).join(", ")}]
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/helpfulness.yaml
      judges:
        - { id: heuristics-content, type: offline, scorers: [harm, key-terms, structure, length] }
        - { id: heuristics-form, type: offline, scorers: [readability, consensus] }
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0.25 }
  agreement:
    uses: quality/agreement
    needs: pairs
    with: { filter: flag }
  export:
    uses: export/iterations
    needs: agreement
    with:
      iterations: [10, 20]
      eval: { size: 5 }
      formats: [trl, openai, hh]
      extras: true
`;

const STAGES = ["prompts", "unique-prompts", "candidates", "judge", "pairs", "agreement", "export"];

function freshClone(): TempProject {
  return new TempProject({
    ...alpacaData(60, MODELS),
    "rubrics/helpfulness.yaml": readFileSync(join(repoRoot, "rubrics", "helpfulness.yaml"), "utf8"),
    "dpo.config.yaml": config,
  });
}

/** Everything a build leaves that must not depend on the machine: the lock, stored objects, the run cache, out/. */
function buildOutputs(p: TempProject): Map<string, Buffer> {
  return new Map([
    ["dpo.lock", Buffer.from(p.read("dpo.lock"))],
    ...filesUnder(p.dir, "cache/objects"),
    ...filesUnder(p.dir, "cache/index"),
    ...filesUnder(p.dir, "out"),
  ]);
}

function expectIdentical(a: Map<string, Buffer>, b: Map<string, Buffer>) {
  expect([...b.keys()]).toEqual([...a.keys()]);
  const differing = [...a].filter(([path, bytes]) => !bytes.equals(b.get(path)!)).map(([path]) => path);
  expect(differing).toEqual([]);
}

const lockOf = (p: TempProject) => JSON.parse(p.read("dpo.lock"));

let one: TempProject;
let four: TempProject;

beforeAll(async () => {
  one = freshClone();
  four = freshClone();
  const [a, b] = await Promise.all([one.run(["build", "--jobs", "1"]), four.run(["build", "--jobs", "4"])]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
}, 60_000);

afterAll(() => {
  one?.remove();
  four?.remove();
});

describe("reproducible builds", () => {
  it("two clean clones, built with --jobs 1 and --jobs 4, give byte-identical locks, objects and outputs", () => {
    expect(Object.keys(lockOf(one).stages).sort()).toEqual([...STAGES].sort());
    const outputs = buildOutputs(one);
    // The export published real files: two nested slices, each with train/eval in three formats.
    expect([...outputs.keys()].filter((k) => k.startsWith("out/iter-0010/")).sort()).toEqual(
      [
        "out/iter-0010/README.md",
        "out/iter-0010/eval.hh.jsonl",
        "out/iter-0010/eval.openai.jsonl",
        "out/iter-0010/eval.trl.jsonl",
        "out/iter-0010/inputs/dpo.config.yaml",
        "out/iter-0010/inputs/rubrics/helpfulness.yaml",
        "out/iter-0010/manifest.json",
        "out/iter-0010/provenance.json",
        "out/iter-0010/train.hh.jsonl",
        "out/iter-0010/train.openai.jsonl",
        "out/iter-0010/train.trl.jsonl",
      ].concat(outputs.has("out/iter-0010/diagnostics.jsonl") ? ["out/iter-0010/diagnostics.jsonl"] : []).sort(),
    );
    expect(one.read("out/iter-0010/train.trl.jsonl").trim().split("\n")).toHaveLength(10);
    expectIdentical(outputs, buildOutputs(four));
  });

  it("--frozen passes on a built project and fails, naming the stage, after an input edit", async () => {
    const p = one;
    const ok = await p.run(["build", "--frozen"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`nothing to do: all ${STAGES.length} stages are up to date`);

    const prompts = p.read("data/prompts.jsonl");
    p.write("data/prompts.jsonl", prompts + JSON.stringify({ instruction: "Name three primary colours.", dataset: "extra" }) + "\n");
    try {
      const r = await p.run(["build", "--frozen"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--frozen: stage "prompts" does not match dpo.lock and would be recomputed (input file data/prompts.jsonl changed)');
      expect(r.stderr).toContain("hint: run `dpo build` without --frozen and commit the updated dpo.lock");
    } finally {
      p.write("data/prompts.jsonl", prompts);
    }
    const restored = await p.run(["build", "--frozen"]);
    expect(restored.code, restored.stderr).toBe(0);
  });

  it("dpo verify passes, and names the stage whose locked output digest was tampered with", async () => {
    const p = four;
    const ok = await p.run(["verify"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`verified: all ${STAGES.length} stages recompute to the digests in dpo.lock`);

    const original = p.read("dpo.lock");
    const lock = JSON.parse(original);
    const real: string = lock.stages.pairs.output;
    const forged = (real[0] === "0" ? "1" : "0") + real.slice(1);
    lock.stages.pairs.output = forged;
    p.write("dpo.lock", JSON.stringify(lock, null, 2) + "\n");
    try {
      const r = await p.run(["verify"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`verify: stage "pairs" differs from dpo.lock: output ${real.slice(0, 12)} ≠ locked ${forged.slice(0, 12)}`);
    } finally {
      p.write("dpo.lock", original);
    }
  });

  it("dpo verify names the stage whose locked tallies differ from what its output recomputes to", async () => {
    const p = four;
    const original = p.read("dpo.lock");
    const lock = JSON.parse(original);
    const made: number = lock.stages.pairs.tallies["pairs.made"];
    lock.stages.pairs.tallies["pairs.made"] = made + 1;
    p.write("dpo.lock", JSON.stringify(lock, null, 2) + "\n");
    try {
      const r = await p.run(["verify"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`verify: stage "pairs" recomputes to the locked output, but its tallies differ from dpo.lock: pairs.made ${made} ≠ locked ${made + 1}\n`);
    } finally {
      p.write("dpo.lock", original);
    }
  });

  it("dpo verify names the stage whose stored output object was edited, and repairs it", async () => {
    const p = four;
    const digest: string = lockOf(p).stages.judge.output;
    const object = join("cache", "objects", digest.slice(0, 2), digest);
    const bytes = p.read(object);
    p.write(object, bytes.replace(/"score":(\d)/, (_, d: string) => `"score":${d === "5" ? 4 : 5}`)); // a different score, whatever the first one is
    expect(p.read(object)).not.toBe(bytes);
    const r = await p.run(["verify"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('verify: stage "judge": a stored object in dpo.lock does not match its digest (edited or corrupt); it was recomputed and rewritten\n');
    expect(p.read(object)).toBe(bytes);
    const again = await p.run(["verify"]);
    expect(again.code, again.stderr).toBe(0);
  });
});
