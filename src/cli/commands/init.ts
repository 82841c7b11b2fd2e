/**
 * `dpo init [dir]`: writes a minimal working project — config, the starter
 * rubric and a few prompts with recorded answers — that builds offline, for a
 * new user to replace with their own data. Never overwrites a file.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { userError } from "../../engine/diagnostic.js";
import { parse, printHelp, type CommandSpec } from "../args.js";
import { configEditorSchema, rubricEditorSchema } from "../editor-schema.js";
import { ownCommand, shellWord } from "../own-command.js";

/** Editor schemas written beside the config; the template's YAML files name them in a `yaml-language-server` line. */
const SCHEMAS: [string, () => Promise<unknown> | unknown][] = [
  ["dpo.schema.json", configEditorSchema],
  ["rubric.schema.json", rubricEditorSchema],
];

const packageRoot = fileURLToPath(new URL("../../../", import.meta.url));

export const SPEC = {
  command: "dpo init",
  args: "[dir]",
  summary: "Write a minimal working project into dir (default: the current directory); never overwrites a file.",
  options: {},
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const target = resolve(root, positionals[0] ?? ".");
  const files: [string, string][] = [
    ...listFiles(join(packageRoot, "templates", "init")).map((rel): [string, string] => [join(packageRoot, "templates", "init", rel), rel]),
    [join(packageRoot, "rubrics", "helpfulness.yaml"), join("rubrics", "helpfulness.yaml")],
  ];
  files.sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
  const written = [...files.map(([, rel]) => rel), ...SCHEMAS.map(([rel]) => rel)].sort();
  const clashes = written.filter((rel) => existsSync(join(target, rel)));
  if (clashes.length) {
    throw userError(`${relative(process.cwd(), target) || "."} already has ${clashes.join(", ")}`, { hint: "dpo init never overwrites files: choose an empty directory" });
  }
  for (const [from, rel] of files) {
    mkdirSync(join(target, rel, ".."), { recursive: true });
    cpSync(from, join(target, rel));
  }
  for (const [rel, make] of SCHEMAS) writeFileSync(join(target, rel), JSON.stringify(await make(), null, 2) + "\n");
  const where = relative(process.cwd(), target) || ".";
  const dpo = ownCommand();
  process.stdout.write(
    `wrote a dpo project in ${where}/: ${written.join(", ")}\n` +
      `next: ${where === "." ? "" : `cd ${shellWord(where)} && `}${dpo} build\n` +
      (dpo === "dpo" ? "" : "(to type just `dpo`, put it on your PATH: `npm link` in the dpo checkout — see its README)\n"),
  );
  return 0;
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const rel = join(prefix, name);
    return statSync(join(dir, rel)).isDirectory() ? listFiles(dir, rel) : [rel];
  });
}
