/** `dpo clean`: removes build outputs (cache objects, run cache, out/). The memo stays unless --memo. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { openProject } from "../../engine/project.js";
import { parse } from "../args.js";

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, { memo: { type: "boolean" } }, "dpo clean [--memo]");
  if (values.help) {
    process.stdout.write("dpo clean [--memo]: remove cache/ (except the LLM/item memo, unless --memo) and out/\n");
    return 0;
  }
  const p = openProject(root);
  for (const dir of ["objects", "index", "tmp", "file-state.json"]) rmSync(join(p.cacheDir, dir), { recursive: true, force: true });
  if (values.memo) rmSync(join(p.cacheDir, "memo"), { recursive: true, force: true });
  rmSync(p.outDir, { recursive: true, force: true });
  process.stdout.write(`removed cache/ outputs and out/${values.memo ? ", and the memo" : " (the memo of finished LLM calls is kept; --memo removes it)"}\n`);
  return 0;
}
