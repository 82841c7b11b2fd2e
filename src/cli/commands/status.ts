/** `dpo status`: which stages are stale, and why (a dry run). */
import { parse, printHelp, type CommandSpec } from "../args.js";
import { loadProject } from "../load-project.js";
import { reasonsOf } from "../../engine/executor/outcome.js";
import { runSession } from "../session.js";
import { iterationLines } from "../iteration/status.js";

export const SPEC = {
  command: "dpo status",
  args: "[stage...]",
  summary: "List stale stages and the reason each would re-run.",
  options: {},
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const config = await loadProject(root);
  const { result, reporter } = await runSession(config, { targets: positionals, mode: "dry-run", jobs: 1, wait: true });
  const stale = result.outcomes.filter((o) => o.status !== "cached");
  for (const o of result.outcomes) {
    reporter.info(o.status === "cached" ? `  up to date  ${o.stage}` : `  stale       ${o.stage}: ${reasonsOf(o).join("; ")}`);
  }
  for (const line of iterationLines(config)) reporter.info(`  ${line}`);
  reporter.info(stale.length ? `${stale.length} of ${result.outcomes.length} stages are stale` : `all ${result.outcomes.length} stages are up to date`);
  return 0;
}
