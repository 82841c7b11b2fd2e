/**
 * `dpo verify`: recomputes every stage from its inputs and the memo (no
 * network, stored stage outputs bypassed) and checks each output digest equals
 * dpo.lock. Reports the first stage that differs, and why. Stored objects the
 * lock names are checked first: recomputing rewrites a corrupt or deleted one,
 * so the damage would otherwise go unreported.
 */
import { userError } from "../../engine/diagnostic.js";
import { lockRequired, readLock, type LockFile } from "../../engine/lock.js";
import { openProject, type Project } from "../../engine/project.js";
import { diffFingerprints, describeChange } from "../../engine/fingerprint.js";
import { parse, positiveInt, printHelp, type CommandSpec } from "../args.js";
import { loadProject } from "../load-project.js";
import { reportFailures, runSession } from "../session.js";

export const SPEC = {
  command: "dpo verify",
  summary: "Recompute every stage offline from its inputs and the memo, and check every digest equals dpo.lock.",
  options: {
    jobs: { type: "string", short: "j", value: "N", description: "worker threads for CPU-bound steps (default 2)" },
    quiet: { type: "boolean", short: "q", description: "print only warnings and errors" },
    "remote-cache": { type: "string", value: "URL", description: "read memo entries from the remote cache at URL (`off`: none), over DPO_REMOTE_CACHE and remoteCache.url" },
  },
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const project = openProject(root);
  const { lock, problem } = readLock(project.paths.lockFile);
  if (problem) throw lockRequired(problem, "dpo verify");
  const config = await loadProject(root);
  const damaged = damagedObjects(project, lock);
  const session = await runSession(config, {
    targets: [], jobs: positiveInt(values.jobs, "--jobs", 2), mode: "verify", wait: true, quiet: !!values.quiet,
    remoteCache: { url: values["remote-cache"] },
  });
  const failed = reportFailures(session, root);
  if (failed) return failed;
  if (Object.keys(lock.stages).length === 0) throw userError("dpo.lock has no stages to verify", { hint: "run `dpo build` first" });
  for (const o of session.result.outcomes) {
    if (o.status !== "ran" && o.status !== "cached") continue; // a failure was reported above
    const locked = lock.stages[o.stage];
    if (!locked) {
      process.stderr.write(`verify: stage "${o.stage}" is not in dpo.lock\n`);
      return 1;
    }
    if (locked.output !== o.manifest.records) {
      const before = session.result.project.index.load(locked.manifest).found?.manifest;
      const why = before ? diffFingerprints(before.fingerprint, o.fingerprint).map(describeChange) : [];
      process.stderr.write(
        `verify: stage "${o.stage}" differs from dpo.lock: output ${o.manifest.records.slice(0, 12)} ≠ locked ${locked.output.slice(0, 12)}` +
          (why.length ? ` (${why.join("; ")})` : " with identical inputs: the stage is not deterministic") + "\n",
      );
      return 1;
    }
    const tallies = tallyDifferences(locked.tallies ?? {}, o.manifest.tallies);
    if (tallies.length) {
      // Tallies describe the output (calls, tokens, cost it depends on): the same output must tally the same.
      process.stderr.write(`verify: stage "${o.stage}" recomputes to the locked output, but its tallies differ from dpo.lock: ${tallies.join(", ")}\n`);
      return 1;
    }
  }
  if (damaged.length) {
    for (const { stage, problem } of damaged) {
      const what = problem === "corrupt" ? "does not match its digest (edited or corrupt)" : "is missing (deleted from the store)";
      process.stderr.write(`verify: stage "${stage}": a stored object in dpo.lock ${what}; it was recomputed and rewritten\n`);
    }
    return 1;
  }
  session.reporter.info(`verified: all ${session.result.outcomes.length} stages recompute to the digests in dpo.lock`);
  return 0;
}

/** `name now ≠ locked` for each tally that differs (absent on one side counts as a difference). */
function tallyDifferences(locked: Record<string, number>, now: Record<string, number>): string[] {
  const names = [...new Set([...Object.keys(locked), ...Object.keys(now)])].sort();
  return names.filter((n) => locked[n] !== now[n]).map((n) => `${n} ${now[n] ?? "absent"} ≠ locked ${locked[n] ?? "absent"}`);
}

interface Damage {
  stage: string;
  problem: "corrupt" | "missing";
}

/**
 * Stages with an object dpo.lock names (manifest, output, published files)
 * that is corrupt, or missing while others of the same stage are there: one
 * entry per stage and kind. A stage with none of its objects was never stored
 * here or was cleaned (`dpo clean`): recomputing it is what verify is for.
 */
function damagedObjects(project: Project, lock: LockFile): Damage[] {
  const damaged: Damage[] = [];
  for (const [stage, s] of Object.entries(lock.stages)) {
    const digests = [s.manifest, s.output, ...Object.values(s.published ?? {})];
    const present = digests.filter((d) => project.store.has(d));
    if (present.some((d) => !project.store.verify(d))) damaged.push({ stage, problem: "corrupt" });
    if (present.length && present.length < digests.length) damaged.push({ stage, problem: "missing" });
  }
  return damaged;
}
