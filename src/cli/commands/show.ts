/** `dpo show <stage> [-n N] [--json]`: the records of a stage's last built output. */
import { ArtifactCorrupt, StoredArtifact } from "../../engine/artifact.js";
import { didYouMean, DpoError, userError } from "../../engine/diagnostic.js";
import { lockRequired, readLock } from "../../engine/lock.js";
import { openProject } from "../../engine/project.js";
import { helpText, parse, positiveInt, printHelp, type CommandSpec } from "../args.js";

export const SPEC = {
  command: "dpo show",
  args: "<stage>",
  summary: "Print records of a stage's last built output, sorted by id.",
  options: {
    n: { type: "string", short: "n", value: "N", description: "at most N records (default 5)" },
    json: { type: "boolean", description: "one compact JSON record per line" },
    ids: { type: "boolean", description: "only the record ids" },
    has: { type: "string", value: "FIELD", description: "only records where FIELD (a dotted path) is present and not empty" },
  },
  notes: ["`dpo show unique-prompts --has duplicates` lists near-duplicate clusters."],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  if (positionals.length !== 1) {
    process.stdout.write(helpText(SPEC));
    return 2;
  }
  const name = positionals[0]!;
  const project = openProject(root);
  const { lock, problem } = readLock(project.paths.lockFile);
  if (problem) throw lockRequired(problem, "dpo show");
  const entry = lock.stages[name];
  if (!entry) {
    const guess = didYouMean(name, Object.keys(lock.stages));
    throw userError(`stage "${name}" has no built output in dpo.lock`, { hint: guess ? `did you mean "${guess}"?` : "run `dpo build` first" });
  }
  const limit = positiveInt(values.n, "-n", 5);
  const artifact = new StoredArtifact(name, entry.output, entry.records, project.store);
  let shown = 0;
  let matching = 0;
  try {
    for await (const rec of artifact.records()) {
      if (values.has !== undefined && isEmpty(pick(rec, values.has))) continue;
      matching++;
      if (shown >= limit) continue;
      shown++;
      process.stdout.write((values.ids ? rec.id : values.json ? JSON.stringify(rec) : JSON.stringify(rec, null, 2)) + "\n");
    }
  } catch (e) {
    if (!(e instanceof ArtifactCorrupt)) throw e;
    throw new DpoError({ severity: "error", message: e.message, hint: "`dpo verify` recomputes and rewrites it" }, 1);
  }
  const which = values.has === undefined ? "" : ` (${matching} with ${values.has})`;
  process.stderr.write(`${shown} of ${entry.records} records of stage "${name}"${which} (${entry.output.slice(0, 12)})\n`);
  return 0;
}

function pick(rec: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), rec);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
}
