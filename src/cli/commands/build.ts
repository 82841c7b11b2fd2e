/** `dpo build [stage...]`: build the targets and what they need. */
import { relative } from "node:path";
import type { BuildMode, StageOutcome } from "../../engine/build.js";
import { reasonsOf } from "../../engine/executor/outcome.js";
import { userError } from "../../engine/diagnostic.js";
import { parseShard, shardLabel, type Shard } from "../../engine/shard.js";
import { parse, positiveInt, printHelp, type CommandSpec } from "../args.js";
import { totalLine } from "../build-total.js";
import { loadProject } from "../load-project.js";
import { iterationLines } from "../iteration/status.js";
import { reportFailures, runSession, stageLines, type Session } from "../session.js";

export const SPEC = {
  command: "dpo build",
  args: "[stage...]",
  summary: "Build the stages (all by default) and what they need; unchanged work is reused.",
  options: {
    "dry-run": { type: "boolean", description: "say which stages would run, and why; run nothing" },
    explain: { type: "boolean", description: "for each stage that runs, say which part of its key changed" },
    frozen: { type: "boolean", description: "fail if any stage differs from dpo.lock or any LLM call would be sent; a locked stage whose output is missing is rebuilt offline to its locked digest (CI)" },
    offline: { type: "boolean", description: "send no network request; LLM calls come only from the memo" },
    jobs: { type: "string", short: "j", value: "N", description: "worker threads for CPU-bound steps (default: CPU count)" },
    shard: { type: "string", value: "I/N", description: "do the item work of shard I of N only (memo and store; not dpo.lock or out/); provider limits are divided by N" },
    watch: { type: "boolean", short: "w", description: "rebuild affected stages whenever a referenced file changes" },
    "remote-cache": { type: "string", value: "URL", description: "use the remote cache at URL (`off`: none), over DPO_REMOTE_CACHE and remoteCache.url" },
    "remote-cache-mode": { type: "string", value: "MODE", description: "read-only (upload nothing) or read-write, over DPO_REMOTE_CACHE_MODE and remoteCache.mode" },
    iteration: { type: "string", value: "NAME", description: "build just enough prompts for this export iteration (e.g. iter-0100) and its eval split" },
    force: { type: "boolean", description: "with --iteration: build it even though its gate did not pass (recorded in its manifest and card)" },
    "no-wait": { type: "boolean", description: "fail at once if another build is running in this project" },
    quiet: { type: "boolean", short: "q", description: "print only warnings and errors" },
    verbose: { type: "boolean", description: "also print debug lines (retries, timings)" },
  },
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const options = {
    targets: positionals,
    mode: modeOf(values),
    jobs: positiveInt(values.jobs, "--jobs", defaultJobs()),
    wait: !values["no-wait"],
    quiet: !!values.quiet,
    verbose: !!values.verbose,
    explain: !!values.explain,
    ...(values.shard === undefined ? {} : { shard: parseShard(values.shard) }),
    remoteCache: { url: values["remote-cache"], mode: values["remote-cache-mode"] },
    ...(values.iteration ? { iteration: values.iteration, force: !!values.force } : {}),
  };
  if (values.watch) {
    if (options.shard) throw userError("--shard cannot be combined with --watch", { hint: "a shard build does part of the work once; run it without --watch" });
    const { watch } = await import("../watch.js");
    return watch(root, options);
  }
  const config = await loadProject(root);
  const session = await runSession(config, options);
  printOutcome(session, options);
  return reportFailures(session, root);
}

/** The one build mode the flags ask for; --dry-run wins, then --frozen (which is offline too). */
function modeOf(values: { "dry-run"?: boolean; frozen?: boolean; offline?: boolean }): BuildMode {
  if (values["dry-run"]) return "dry-run";
  if (values.frozen) return "frozen";
  return values.offline ? "offline" : "build";
}

function defaultJobs(): number {
  return Math.max(1, Number(process.env.DPO_JOBS) || (globalThis.navigator?.hardwareConcurrency ?? 2));
}

export function printOutcome(s: Session, o: { mode: BuildMode; explain?: boolean; shard?: Shard }): void {
  const { outcomes } = s.result;
  const out = (line: string) => s.reporter.info(line);
  if (o.mode === "dry-run") {
    for (const x of outcomes) out(x.status === "cached" ? `  ${x.stage}: up to date` : `  ${x.stage}: would run — ${reasonsOf(x).join("; ")}`);
    return;
  }
  if (o.explain) {
    for (const x of outcomes) if (x.status === "ran" || x.status === "failed") out(`  ${x.stage}: ran because ${x.reasons.join("; ")}`);
    for (const line of iterationLines(s.config)) out(`  ${line}`);
    if (s.result.rounds) out(`  admitted prompts in rounds of ${s.result.rounds.map((r) => r.admitted).join(" → ")} of ${s.result.rounds[0]!.total}`);
  }
  const ran = outcomes.filter((x) => x.status !== "cached");
  if (ran.length === 0 && !s.result.lockChanged) {
    out(`nothing to do: all ${outcomes.length} stages are up to date`);
  } else {
    const lines = stageLines(outcomes);
    s.reporter.summary(lines);
    const total = totalLine(lines);
    if (total) out(total);
  }
  if (o.shard) printShardDone(s, o.shard);
  else printPublished(s, outcomes);
  printRemote(s);
}

/** A shard publishes nothing: say what it did and what assembles the outputs. */
function printShardDone(s: Session, shard: Shard): void {
  const roots = s.result.outcomes.filter((x) => x.status === "cached" || x.status === "ran").filter((x) => x.fingerprint.shard !== undefined);
  const records = roots.reduce((n, x) => n + x.manifest.count, 0);
  s.reporter.info(
    `shard ${shardLabel(shard)}: item work done for ${records} root record${records === 1 ? "" : "s"} (${roots.map((x) => x.stage).join(", ") || "no root stage"}); ` +
      `dpo.lock and out/ left as they were — once every shard has run, \`dpo build\` without --shard assembles the outputs from ${sharedMemo(s) ? "the memo entries uploaded to the remote cache" : "this project's memo"}`,
  );
}

/** Did this build upload its memo entries to a remote cache (which it used read-write)? */
function sharedMemo(s: Session): boolean {
  return s.result.remote !== undefined && s.config.remoteCache?.mode === "read-write";
}

/** One line on what the remote cache gave and took, when it did anything. */
function printRemote(s: Session): void {
  const r = s.result.remote;
  if (!r) return;
  const fetched = [[r.stageResultsFetched, "stage result"], [r.objectsFetched, "object"], [r.memoHits, "memo entry"]] as const;
  const parts = fetched.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what === "memo entry" && n !== 1 ? "memo entries" : `${what}${n === 1 ? "" : "s"}`}`);
  const said = [parts.length ? `fetched ${parts.join(", ")}` : "", r.uploads ? `uploaded ${r.uploads} entr${r.uploads === 1 ? "y" : "ies"}` : ""].filter(Boolean);
  if (said.length) s.reporter.info(`remote cache: ${said.join("; ")}`);
}

/** Where the human-facing outputs are, so a new user knows what to open. */
function printPublished(s: Session, outcomes: StageOutcome[]): void {
  const dirs = new Map<string, number>();
  for (const o of outcomes) {
    if (o.status !== "cached" && o.status !== "ran") continue;
    for (const path of Object.keys(o.manifest.published)) {
      const top = path.split("/")[0]!;
      dirs.set(top, (dirs.get(top) ?? 0) + 1);
    }
  }
  if (dirs.size === 0) return;
  const outRel = relative(process.cwd(), s.result.project.paths.outDir) || "out";
  s.reporter.info(`outputs in ${outRel}/: ` + [...dirs].map(([d, n]) => `${d}/ (${n} file${n === 1 ? "" : "s"})`).join(", "));
}
