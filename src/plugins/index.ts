/**
 * The built-in plugins, by the name used in `uses:`. Each entry imports its
 * module lazily, so a build loads only the plugins its config names (this keeps
 * a no-op `dpo build` close to bare CLI start-up).
 */
import type { Plugin } from "../engine/plugin.js";

type Loader = () => Promise<Plugin>;
const load = (p: Promise<{ default: Plugin }>) => p.then((m) => m.default);

export const builtinPlugins: Record<string, Loader> = {
  // one line per plugin, kept sorted:
  "command/run": () => load(import("./command/run.js")),
  "dedup/minhash": () => load(import("./dedup/minhash.js")),
  "export/iterations": () => load(import("./export/iterations.js")),
  "generate/llm": () => load(import("./generate/llm.js")),
  "generate/recorded": () => load(import("./generate/recorded.js")),
  "judge/pairwise": () => load(import("./judge/pairwise.js")),
  "judge/rubric": () => load(import("./judge/rubric.js")),
  "pair/preference": () => load(import("./pair/preference.js")),
  "quality/agreement": () => load(import("./quality/agreement.js")),
  "quality/calibration": () => load(import("./quality/calibration.js")),
  "report/html": () => load(import("./report/html.js")),
  "source/csv": () => load(import("./source/csv.js")),
  "source/hh": () => load(import("./source/hh.js")),
  "source/jsonl": () => load(import("./source/jsonl.js")),
  "source/parquet": () => load(import("./source/parquet.js")),
};
