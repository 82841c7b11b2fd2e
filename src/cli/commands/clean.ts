/** `dpo clean`: removes build outputs (cache objects, run cache, out/). The memo stays unless --memo. */
import { rmSync } from "node:fs";
import { projectPaths } from "../../engine/paths.js";
import { parse } from "../args.js";

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, { memo: { type: "boolean" } }, "dpo clean [--memo]");
  if (values.help) {
    process.stdout.write("dpo clean [--memo]: remove cache/ (except the LLM/item memo, unless --memo) and out/\n");
    return 0;
  }
  const paths = projectPaths(root);
  for (const path of paths.derived) rmSync(path, { recursive: true, force: true });
  if (values.memo) rmSync(paths.memoDir, { recursive: true, force: true });
  rmSync(paths.outDir, { recursive: true, force: true });
  process.stdout.write(`removed cache/ outputs and out/${values.memo ? ", and the memo" : " (the memo of finished LLM calls is kept; --memo removes it)"}\n`);
  return 0;
}
