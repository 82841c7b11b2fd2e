/** `dpo graph`: the stage graph as Mermaid (default) or DOT. */
import { userError } from "../../engine/diagnostic.js";
import { toDot, toMermaid } from "../../engine/config/graph.js";
import { parse } from "../args.js";
import { loadProject } from "../load-project.js";

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, { format: { type: "string", short: "f" } }, "dpo graph [--format mermaid|dot]");
  if (values.help) {
    process.stdout.write("dpo graph [--format mermaid|dot]\n");
    return 0;
  }
  const format = values.format ?? "mermaid";
  if (format !== "mermaid" && format !== "dot") throw userError(`--format expects "mermaid" or "dot", found "${format}"`);
  const config = await loadProject(root);
  process.stdout.write((format === "dot" ? toDot(config) : toMermaid(config)) + "\n");
  return 0;
}
