/** `dpo show <stage> [-n N] [--json]`: the records of a stage's last built output. */
import { StoredArtifact } from "../../engine/artifact.js";
import { didYouMean, userError } from "../../engine/diagnostic.js";
import { readLock } from "../../engine/lock.js";
import { openProject } from "../../engine/project.js";
import { parse, positiveInt } from "../args.js";

const USAGE = "dpo show <stage> [-n N] [--json] [--ids]";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, root } = parse(argv, { n: { type: "string", short: "n" }, json: { type: "boolean" }, ids: { type: "boolean" } }, USAGE);
  if (values.help || positionals.length !== 1) {
    process.stdout.write(`${USAGE}\n  -n N    at most N records (default 5)\n  --json  one compact JSON record per line\n  --ids   only the record ids\n`);
    return values.help ? 0 : 2;
  }
  const name = positionals[0]!;
  const project = openProject(root);
  const lock = readLock(project.lockPath);
  const entry = lock.stages[name];
  if (!entry) {
    const guess = didYouMean(name, Object.keys(lock.stages));
    throw userError(`stage "${name}" has no built output in dpo.lock`, { hint: guess ? `did you mean "${guess}"?` : "run `dpo build` first" });
  }
  const limit = positiveInt(values.n, "-n", 5);
  const artifact = new StoredArtifact(name, entry.output, entry.records, project.store);
  let shown = 0;
  for await (const rec of artifact.records()) {
    if (shown++ >= limit) break;
    process.stdout.write((values.ids ? rec.id : values.json ? JSON.stringify(rec) : JSON.stringify(rec, null, 2)) + "\n");
  }
  process.stderr.write(`${Math.min(limit, entry.records)} of ${entry.records} records of stage "${name}" (${entry.output.slice(0, 12)})\n`);
  return 0;
}
