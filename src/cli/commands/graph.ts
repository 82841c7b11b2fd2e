/** `dpo graph`: the stage graph as Mermaid (default) or DOT. */
import { userError } from "../../engine/diagnostic.js";
import { toDot, toMermaid } from "../../engine/config/graph.js";
import { parse, printHelp, type CommandSpec } from "../args.js";
import { loadProject } from "../load-project.js";

export const SPEC = {
  command: "dpo graph",
  summary: "Print the stage graph (Mermaid by default).",
  options: { format: { type: "string", short: "f", value: "mermaid|dot", description: "the graph language (default mermaid)" } },
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const format = values.format ?? "mermaid";
  if (format !== "mermaid" && format !== "dot") throw userError(`--format expects "mermaid" or "dot", found "${format}"`);
  const config = await loadProject(root);
  process.stdout.write((format === "dot" ? toDot(config) : toMermaid(config)) + "\n");
  return 0;
}
