/**
 * `dpo verify`: recomputes every stage from its inputs and the memo (no
 * network, stored stage outputs bypassed) and checks each output digest equals
 * dpo.lock. Reports the first stage that differs, and why.
 */
import { userError } from "../../engine/diagnostic.js";
import { readLock } from "../../engine/lock.js";
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
  const config = await loadProject(root);
  const session = await runSession(config, {
    targets: [], jobs: positiveInt(values.jobs, "--jobs", 2), recompute: true, offline: true, readOnlyLock: true, wait: true, quiet: !!values.quiet,
  });
  const failed = reportFailures(session, root);
  if (failed) return failed;
  const lock = readLock(session.project.lockPath);
  if (Object.keys(lock.stages).length === 0) throw userError("dpo.lock has no stages to verify", { hint: "run `dpo build` first" });
  for (const o of session.result.outcomes) {
    const locked = lock.stages[o.stage];
    if (!locked) {
      process.stderr.write(`verify: stage "${o.stage}" is not in dpo.lock\n`);
      return 1;
    }
    if (locked.output !== o.manifest!.records) {
      const before = session.project.index.load(locked.manifest)?.manifest;
      const why = before ? diffFingerprints(before.fingerprint, o.fingerprint!).map(describeChange) : [];
      process.stderr.write(
        `verify: stage "${o.stage}" differs from dpo.lock: output ${o.manifest!.records.slice(0, 12)} ≠ locked ${locked.output.slice(0, 12)}` +
          (why.length ? ` (${why.join("; ")})` : " with identical inputs: the stage is not deterministic") + "\n",
      );
      return 1;
    }
  }
  session.reporter.info(`verified: all ${session.result.outcomes.length} stages recompute to the digests in dpo.lock`);
  return 0;
}
