/**
 * A real project for the iteration tests: 60 AlpacaEval prompts, recorded
 * answers of two models, an LLM judge on the local test server, pairs,
 * dedup and an export with iterations of 10 and 30 pairs plus 5 held out.
 * Built in-process with the built-in plugins; every judgement a build
 * computes is a request the server counts.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { build, type BuildResult, type Growth } from "../../src/engine/build.js";
import { loadConfig, type ProjectConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import { createRegistry } from "../../src/engine/registry.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { builtinProviders } from "../../src/providers/index.js";
import { alpacaData, miniRubric, recordedJudgeConfig } from "../e2e/helpers.js";
import { recordingReporter } from "../support/harness.js";
import { TempProject } from "../support/project.js";

export const PROMPTS = 60;
const MODELS = ["alpaca-7b", "falcon-7b-instruct"];
/** Judge requests per prompt: two candidates, two criteria. */
export const CALLS_PER_PROMPT = 4;

const registry = createRegistry(builtinPlugins, builtinProviders);

export const exportStages = (gate = "") => `
  unique-pairs:
    uses: dedup/minhash
    needs: pairs
    with: { fields: [prompt, chosen.text] }
  export:
    uses: export/iterations
    needs: unique-pairs
    with:
      iterations: [10, { size: 30${gate} }]
      eval: { size: 5 }
      formats: [trl-conversational]
`;

export class IterationProject extends TempProject {
  readonly memo: MemoStore = memoryMemo();
  constructor(baseUrl: string, gate = "") {
    super({ ...alpacaData(PROMPTS, MODELS), "rubrics/mini.yaml": miniRubric, "dpo.config.yaml": recordedJudgeConfig(baseUrl, MODELS, "iterations") + exportStages(gate) });
  }

  async load(): Promise<ProjectConfig> {
    const loaded = await loadConfig({ root: this.dir, registry, env: {} });
    if (!loaded.ok) throw new DpoError(loaded.error);
    return loaded.value;
  }

  async build(config?: ProjectConfig, growth?: Growth): Promise<BuildResult & { warnings: string[]; infos: string[] }> {
    const { reporter, warnings, infos } = recordingReporter();
    const result = await build(config ?? (await this.load()), {
      targets: [], mode: "build", jobs: 1, wait: false, memo: this.memo, reporter, signal: new AbortController().signal, growth,
    });
    return { ...result, warnings, infos };
  }

  /** Every file under out/<dir>, path → sha256. */
  files(dir: string): Map<string, string> {
    const root = join(this.dir, "out", dir);
    const out = new Map<string, string>();
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else out.set(relative(root, p), createHash("sha256").update(readFileSync(p)).digest("hex"));
      }
    };
    walk(root);
    return out;
  }

  manifest(dir: string): any {
    return JSON.parse(this.read(`out/${dir}/manifest.json`));
  }
}

export const bodyHash = (body: unknown) => createHash("sha256").update(JSON.stringify(body)).digest("hex");
