/** `dpo clean`: removes build outputs (cache objects, run cache, out/). The memo stays unless --memo. */
import { rmSync } from "node:fs";
import { projectPaths } from "../../engine/paths.js";
import { parse, printHelp, type CommandSpec } from "../args.js";

export const SPEC = {
  command: "dpo clean",
  summary: "Remove cache/ outputs and out/; the memo of finished LLM calls and item work stays unless --memo.",
  options: { memo: { type: "boolean", description: "remove the memo too (paid-for LLM calls are sent again)" } },
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const paths = projectPaths(root);
  for (const path of paths.derived) rmSync(path, { recursive: true, force: true });
  if (values.memo) rmSync(paths.memoDir, { recursive: true, force: true });
  rmSync(paths.outDir, { recursive: true, force: true });
  process.stdout.write(`removed cache/ outputs and out/${values.memo ? ", and the memo" : " (the memo of finished LLM calls is kept; --memo removes it)"}\n`);
  return 0;
}
