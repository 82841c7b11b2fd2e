import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { Rec } from "../../src/engine/plugin.js";
import { alpacaPairs, FIXTURE } from "./alpaca-pairs.js";
import { byId, runExport, type ExportRun } from "./helpers.js";

const pairs = alpacaPairs();
const pairById = byId(pairs);

function idsOf(run: ExportRun, split: string, maxRank = Infinity): Rec[] {
  return run.records
    .filter((r) => r.split === split && (r.rank as number) <= maxRank)
    .map((r) => pairById.get(r.id)!);
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const near = (a: unknown, b: number) => expect(a as number).toBeCloseTo(b, 3);

describe("manifest and dataset card", () => {
  let run: ExportRun;
  beforeAll(async () => {
    run = await runExport({
      iterations: [30, 80],
      eval: { size: 20 },
      formats: ["trl", "openai"],
      extras: true,
      license: "apache-2.0",
      title: "AlpacaEval preference pairs",
      description: "Pairs judged by recorded AlpacaEval annotators.",
    });
  });

  it("records provenance, selection, counts and rubrics", () => {
    const m = JSON.parse(run.file("iter-0030/manifest.json"));
    expect(m.name).toBe("iter-0030");
    // No stage key: the same iteration is made by builds admitting different numbers of prompts.
    expect(m.build).toEqual({ stage: "test", plugin: "export/iterations@3", seed: 1 });
    expect(m.selection).toMatchObject({ requested: 30, stratifyBy: "meta.dataset", eval: { size: 20 }, evalGroupedBy: "promptId" });
    const train = idsOf(run, "train", 30);
    const evalPairs = idsOf(run, "eval");
    expect(m.counts).toEqual({
      train: 30,
      eval: evalPairs.length,
      trainPrompts: new Set(train.map((p) => p.promptId)).size,
      evalPrompts: new Set(evalPairs.map((p) => p.promptId)).size,
    });
    const rubrics = new Map([...train, ...evalPairs].map((p) => [(p.rubric as { digest: string }).digest, p.rubric]));
    expect(m.rubrics).toEqual([...rubrics.keys()].sort().map((d) => rubrics.get(d)));
    expect(m.rubrics).toHaveLength(2);
    expect(m.formats).toEqual(["trl", "openai"]);
    expect(m.extras).toBe(true);
  });

  it("summarises mix, scores and agreement of each split", () => {
    const m = JSON.parse(run.file("iter-0080/manifest.json"));
    const train = idsOf(run, "train", 80);
    const byDataset: Record<string, number> = {};
    for (const p of train) {
      const d = (p.meta as { dataset: string }).dataset;
      byDataset[d] = (byDataset[d] ?? 0) + 1;
    }
    expect(m.train.byStratum).toEqual(byDataset);
    expect(m.train.bySourceFile).toEqual({ [FIXTURE]: 80 });
    const margins = train.map((p) => p.margin as number).sort((a, b) => a - b);
    near(m.train.scores.margin.min, margins[0]!);
    near(m.train.scores.margin.max, margins.at(-1)!);
    near(m.train.scores.margin.mean, mean(margins));
    near(m.train.scores.margin.median, (margins[39]! + margins[40]!) / 2);
    near(m.train.scores.chosenMean, mean(train.map((p) => (p.chosen as { score: number }).score)));
    near(m.train.scores.rejectedMean, mean(train.map((p) => (p.rejected as { score: number }).score)));
    const shares = train.map((p) => (p.agreement as { share: number }).share);
    near(m.train.agreement.shareMean, mean(shares));
    near(m.train.agreement.shareMin, Math.min(...shares));
    expect(m.train.agreement.disputed).toBe(train.filter((p) => (p.agreement as { disputed: boolean }).disputed).length);
    expect(m.train.agreement.disputed).toBeGreaterThan(0);
    expect(m.eval.pairs).toBe(idsOf(run, "eval").length);
  });

  it("omits agreement when no pair carries it", async () => {
    const bare = pairs.map(({ agreement: _a, ...rest }) => rest as Rec);
    const r = await runExport({ iterations: [10] }, { pairs: bare });
    const m = JSON.parse(r.file("iter-0010/manifest.json"));
    expect(m.train.agreement).toBeNull();
    expect(m.eval).toBeNull();
    expect(r.file("iter-0010/README.md")).not.toContain("Judge agreement");
  });

  it("lists the sha256, size and rows of every data file it sits beside", () => {
    for (const name of ["iter-0030", "iter-0080"]) {
      const m = JSON.parse(run.file(`${name}/manifest.json`));
      const dataFiles = [...run.files.keys()]
        .filter((p) => p.startsWith(`${name}/`) && !p.endsWith("manifest.json") && !p.endsWith("README.md"))
        .map((p) => p.slice(name.length + 1))
        .sort();
      expect(Object.keys(m.files).sort()).toEqual(dataFiles);
      expect(dataFiles.filter((f) => f.endsWith(".jsonl"))).toEqual(["diagnostics.jsonl", "eval.openai.jsonl", "eval.trl.jsonl", "train.openai.jsonl", "train.trl.jsonl"]);
      expect(m.files["provenance.json"]).toMatchObject({ kind: "provenance", split: null, rows: 0 });
      for (const f of dataFiles.filter((f) => f.endsWith(".jsonl"))) {
        const bytes = run.published.get(`${name}/${f}`)!;
        expect(m.files[f].sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
        expect(m.files[f].bytes).toBe(bytes.length);
        expect(m.files[f].rows).toBe(run.rows(`${name}/${f}`).length);
      }
    }
  });

  it("writes a Hugging Face dataset card with front matter naming the data files", () => {
    const card = run.file("iter-0030/README.md");
    const match = /^---\n([\s\S]*?)\n---\n/.exec(card);
    expect(match).not.toBeNull();
    const front = parseYaml(match![1]!);
    expect(front.license).toBe("apache-2.0");
    expect(front.pretty_name).toBe("AlpacaEval preference pairs (iter-0030)");
    expect(front.size_categories).toEqual(["n<1K"]);
    expect(front.configs).toEqual([
      {
        config_name: "trl",
        default: true,
        data_files: [
          { split: "train", path: "train.trl.jsonl" },
          { split: "test", path: "eval.trl.jsonl" },
        ],
      },
      {
        config_name: "openai",
        data_files: [
          { split: "train", path: "train.openai.jsonl" },
          { split: "test", path: "eval.openai.jsonl" },
        ],
      },
    ]);
    for (const c of front.configs) for (const f of c.data_files) expect(run.files.has(`iter-0030/${f.path}`)).toBe(true);
    const body = card.slice(match![0].length);
    expect(body).toContain("# AlpacaEval preference pairs: iter-0030");
    expect(body).toContain("Pairs judged by recorded AlpacaEval annotators.");
    expect(body).not.toContain("test-stage-key");
    expect(body).toContain("Built by stage `test` (plugin `export/iterations@3`), seed 1.");
    expect(body).toContain("Asked for 30 training pairs; holds 30");
    expect(body).toContain("| `selfinstruct` |");
    expect(body).toContain('load_dataset("out/iter-0030", "trl")');
    expect(body).toContain("DPOTrainer(");
    expect(body).toContain("diagnostics.jsonl");
    // Deterministic: nothing that looks like a date or a time.
    expect(card).not.toMatch(/\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}/);
  });
});
