/**
 * `dpo schema [--rubric]`: the JSON Schema of `dpo.config.yaml` (or of rubric
 * files) for editors. `dpo init` writes both next to a new project's config;
 * a `# yaml-language-server: $schema=…` line at the top of a YAML file points
 * the editor at them.
 */
import { parse, printHelp, type CommandSpec } from "../args.js";
import { configEditorSchema, rubricEditorSchema } from "../editor-schema.js";

export const SPEC = {
  command: "dpo schema",
  summary: "Print the JSON Schema of dpo.config.yaml for editors, e.g. `dpo schema > dpo.schema.json`.",
  options: { rubric: { type: "boolean", description: "the schema of rubric files instead" } },
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const schema = values.rubric ? rubricEditorSchema() : await configEditorSchema();
  process.stdout.write(JSON.stringify(schema, null, 2) + "\n");
  return 0;
}
