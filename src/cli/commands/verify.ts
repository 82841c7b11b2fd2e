/**
 * `dpo verify`: recomputes every stage from its inputs and the memo (no
 * network, stored stage outputs bypassed) and checks each output digest equals
 * dpo.lock. Reports the first stage that differs, and why. Stored objects the
 * lock names are checked first: recomputing rewrites a corrupt one, so the
 * corruption would otherwise go unreported.
 */
import { userError } from "../../engine/diagnostic.js";
import type { Digest } from "../../engine/hash.js";
import { lockRequired, readLock, type LockFile } from "../../engine/lock.js";
import { openProject, type Project } from "../../engine/project.js";
import { diffFingerprints, describeChange } from "../../engine/fingerprint.js";
import { parse, positiveInt } from "../args.js";
import { loadProject } from "../load-project.js";
import { reportFailures, runSession } from "../session.js";

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, { jobs: { type: "string", short: "j" }, quiet: { type: "boolean", short: "q" } }, "dpo verify [--jobs N]");
  if (values.help) {
    process.stdout.write("dpo verify [--jobs N]: recompute every stage offline and compare with dpo.lock\n");
    return 0;
  }
  const project = openProject(root);
  const { lock, problem } = readLock(project.paths.lockFile);
  if (problem) throw lockRequired(problem, "dpo verify");
  const config = await loadProject(root);
  const corrupt = corruptStages(project, lock);
  const session = await runSession(config, {
    targets: [], jobs: positiveInt(values.jobs, "--jobs", 2), mode: "verify", wait: true, quiet: !!values.quiet,
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
  }
  if (corrupt.length) {
    for (const stage of corrupt) {
      process.stderr.write(`verify: stage "${stage}": a stored object in dpo.lock does not match its digest (edited or corrupt); it was recomputed and rewritten\n`);
    }
    return 1;
  }
  session.reporter.info(`verified: all ${session.result.outcomes.length} stages recompute to the digests in dpo.lock`);
  return 0;
}

/** Stages whose stored output or published files (as dpo.lock names them) are present but do not match their digests. */
function corruptStages(project: Project, lock: LockFile): string[] {
  const corrupt = (d: Digest) => project.store.has(d) && !project.store.verify(d);
  return Object.entries(lock.stages)
    .filter(([, s]) => [s.output, ...Object.values(s.published ?? {})].some(corrupt))
    .map(([name]) => name);
}
