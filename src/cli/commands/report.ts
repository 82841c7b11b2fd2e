/**
 * `dpo report [--open]`: the path of the build report (a `report/html` stage's
 * published page under out/); with --open, also shows it in a browser — only
 * where a display is available, so on a server or in CI it just prints the path.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { userError } from "../../engine/diagnostic.js";
import { lockRequired, readLock } from "../../engine/lock.js";
import { projectPaths } from "../../engine/paths.js";
import { parse, printHelp, type CommandSpec } from "../args.js";
import { loadProject } from "../load-project.js";

export const SPEC = {
  command: "dpo report",
  summary: "Print the path of the build report (out/reports/index.html by default).",
  options: {
    open: { type: "boolean", description: "also open it in a browser when a display is available" },
    stage: { type: "string", value: "STAGE", description: "the report stage, when the project has several" },
  },
} as const satisfies CommandSpec;
export const REPORT_PLUGIN = "report/html";

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const config = await loadProject(root);
  const reportStages = Object.values(config.stages).filter((s) => s.uses === REPORT_PLUGIN).map((s) => s.name);
  if (reportStages.length === 0) {
    throw userError("this project has no report stage", {
      hint: `add a stage with \`uses: ${REPORT_PLUGIN}\` whose \`needs\` lists the stages to report on (README: "The build report")`,
    });
  }
  const stage = values.stage ?? reportStages[0]!;
  if (!reportStages.includes(stage)) throw userError(`stage "${stage}" is not a report stage`, { hint: `report stages: ${reportStages.join(", ")}` });
  const paths = projectPaths(root);
  const { lock, problem } = readLock(paths.lockFile);
  if (problem) throw lockRequired(problem, "dpo report");
  const page = Object.keys(lock.stages[stage]?.published ?? {}).find((p) => p.endsWith(".html"));
  if (!page) throw userError(`the report stage "${stage}" is not built yet`, { hint: "run `dpo build`" });
  const file = join(paths.outDir, page);
  if (!existsSync(file)) throw userError(`the report ${file} is missing from out/`, { hint: "run `dpo build`: it puts out/ back from the store" });
  process.stdout.write(`${file}\n`);
  if (values.open) await openInBrowser(file);
  return 0;
}

/** The platform's opener, or why there is none. */
export function opener(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): { command: string } | { none: string } {
  if (platform === "darwin") return { command: "open" };
  if (platform === "win32") return { none: "--open is not supported on Windows: open the path above" };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { none: "no display (DISPLAY and WAYLAND_DISPLAY are unset): open the path above in a browser" };
  return { command: "xdg-open" };
}

async function openInBrowser(file: string): Promise<void> {
  const how = opener();
  if ("none" in how) {
    process.stderr.write(`${how.none}\n`);
    return;
  }
  const child = spawn(how.command, [file], { detached: true, stdio: "ignore" });
  await new Promise<void>((resolve) => {
    child.once("spawn", () => resolve());
    child.once("error", (e) => {
      process.stderr.write(`could not run ${how.command} (${(e as NodeJS.ErrnoException).code ?? e.message}): open the path above in a browser\n`);
      resolve();
    });
  });
  child.unref();
}
