/**
 * A small real project for the annotation app's tests: 4 AlpacaEval prompts,
 * 3 recorded models, the two-criterion mini rubric, three offline judges and a
 * human judge reading `annotations/ana.jsonl`; built in-process with the
 * built-in plugins (no CLI, no network).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "../../src/engine/build.js";
import { loadConfig, type ProjectConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { memoryMemo } from "../../src/engine/memo.js";
import { createRegistry } from "../../src/engine/registry.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { builtinProviders } from "../../src/providers/index.js";
import { alpacaData, miniRubric } from "../e2e/helpers.js";
import { recordingReporter } from "../support/harness.js";

export const MODELS = ["claude-2.1", "alpaca-7b", "falcon-7b-instruct"];

export const config = (humanFiles = ["annotations/ana.jsonl"]) => `version: 1
project: annotate-test
seed: 7
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/recorded
    needs: prompts
    with:
      n: 3
      files: [${MODELS.map((m) => `data/${m}.jsonl`).join(", ")}]
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/mini.yaml
      judges:
        - { id: content, type: offline, scorers: [key-terms, structure], criteria: { correctness: key-terms } }
        - { id: form, type: offline, scorers: [readability, consensus] }
        # A third rater, so a strict majority can back a pair (with two, any split is disputed).
        - { id: length, type: offline, scorers: [length, structure], criteria: { correctness: length } }
${humanFiles.length ? `        - { id: people, type: human, files: [${humanFiles.join(", ")}] }\n` : ""}  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0 }
  agreement:
    uses: quality/agreement
    needs: pairs
    with: { criterionDisputes: dispute }
`;

export class AnnotateProject {
  readonly dir = mkdtempSync(join(tmpdir(), "dpo-annotate-"));
  private readonly memo = memoryMemo();

  constructor(files: Record<string, string> = {}) {
    const all = { ...alpacaData(4, MODELS), "rubrics/mini.yaml": miniRubric, "dpo.config.yaml": config(), "annotations/ana.jsonl": "", ...files };
    for (const [rel, content] of Object.entries(all)) this.write(rel, content);
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  write(rel: string, content: string): void {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), content);
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), "utf8");
  }

  async load(): Promise<ProjectConfig> {
    const loaded = await loadConfig({ root: this.dir, registry: createRegistry(builtinPlugins, builtinProviders), env: {} });
    if (!loaded.ok) throw new DpoError(loaded.error, 2);
    return loaded.value;
  }

  /** Builds every stage; throws when one fails. */
  async build(): Promise<ProjectConfig> {
    const config = await this.load();
    const { reporter, warnings } = recordingReporter();
    const result = await build(config, { targets: [], mode: "build", jobs: 1, wait: false, memo: this.memo, reporter, signal: new AbortController().signal });
    const failed = result.outcomes.filter((o) => o.status === "failed");
    if (failed.length) throw new Error(`build failed: ${JSON.stringify(failed.map((f) => (f as any).diagnostics))}\n${warnings.join("\n")}`);
    return config;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
