/**
 * A small real project for the in-process watch tests: AlpacaEval prompts,
 * recorded answers and an LLM judge served by the local test server, loaded
 * with the built-in plugins straight from the sources (no CLI, no compiled
 * config cache).
 */
import { loadConfig } from "../../src/engine/config/load.js";
import type { ProjectConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { createRegistry } from "../../src/engine/registry.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { builtinProviders } from "../../src/providers/index.js";
import { alpacaData, miniRubric, recordedJudgeConfig } from "../e2e/helpers.js";
import { TempProject } from "../support/project.js";

export const PROMPTS = 3;
export const MODELS = ["alpaca-7b", "falcon-7b-instruct"];
export const CANDIDATES = PROMPTS * MODELS.length;
/** Judge requests of a full build: one per candidate and criterion (the mini rubric has two). */
export const JUDGE_REQUESTS = CANDIDATES * 2;
/** Memo entries per judgement: the provider's HTTP call and the judge's parsed verdict. */
export const MEMO_LAYERS = 2;

const registry = createRegistry(builtinPlugins, builtinProviders);

export const judgeConfig = (baseUrl: string) => recordedJudgeConfig(baseUrl, MODELS, "watch-machine");

export function judgeProject(baseUrl: string): TempProject {
  return new TempProject({ ...alpacaData(PROMPTS, MODELS), "rubrics/mini.yaml": miniRubric, "dpo.config.yaml": judgeConfig(baseUrl) });
}

/** Loads the project as the CLI would, minus the compiled-config cache; invalid configs throw a DpoError. */
export async function loadJudgeProject(root: string): Promise<ProjectConfig> {
  const loaded = await loadConfig({ root, registry, env: {} });
  if (!loaded.ok) throw new DpoError(loaded.error);
  return loaded.value;
}
