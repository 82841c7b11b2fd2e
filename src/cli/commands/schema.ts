/**
 * `dpo schema [--rubric]`: the JSON Schema of `dpo.config.yaml` (or of rubric
 * files) for editors. `dpo init` writes both next to a new project's config;
 * a `# yaml-language-server: $schema=…` line at the top of a YAML file points
 * the editor at them.
 */
import { parse } from "../args.js";
import { configEditorSchema, rubricEditorSchema } from "../editor-schema.js";

const USAGE = "dpo schema [--rubric]";

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { rubric: { type: "boolean" } }, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}: print the JSON Schema of dpo.config.yaml (--rubric: of rubric files) for editors, e.g. \`dpo schema > dpo.schema.json\`\n`);
    return 0;
  }
  const schema = values.rubric ? rubricEditorSchema() : await configEditorSchema();
  process.stdout.write(JSON.stringify(schema, null, 2) + "\n");
  return 0;
}
