/**
 * One build of a loaded project, as the CLI runs it: a reporter, Ctrl-C and
 * SIGTERM wired to cancellation (unless the caller brings its own signal, as
 * watch mode does), the engine's `build`, and what to print afterwards.
 * Shared by `build`, `status`, `verify` and watch mode.
 */
import { assertNever } from "../engine/assert-never.js";
import { build, type BuildMode, type BuildResult, type StageOutcome } from "../engine/build.js";
import type { ProjectConfig } from "../engine/config/load.js";
import type { Diagnostic } from "../engine/diagnostic.js";
import type { MemoStore } from "../engine/memo.js";
import { createRedactor } from "../engine/redact.js";
import { withRemoteOverrides, type RemoteCacheOverrides } from "../engine/remote/settings.js";
import { createReporter, type Reporter, type StageLine } from "../engine/reporter.js";
import type { Shard } from "../engine/shard.js";
import { printDiagnostics } from "./print.js";
import { prepareIteration, warnGates, type IterationOptions } from "./iteration/prepare.js";

export interface SessionOptions extends IterationOptions {
  targets: string[];
  mode: BuildMode;
  jobs: number;
  wait: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** A caller with its own signal owns interruption: no SIGINT/SIGTERM handlers are installed. */
  signal?: AbortSignal;
  memo?: MemoStore;
  /** One shard of the build (`--shard i/n`). */
  shard?: Shard;
  /** `--remote-cache URL|off` and `--remote-cache-mode`, over `DPO_REMOTE_CACHE` / `DPO_REMOTE_CACHE_MODE` and the config. */
  remoteCache?: RemoteCacheOverrides;
}

export interface Session {
  result: BuildResult;
  reporter: Reporter;
  config: ProjectConfig;
}

export function reporterFor(config: ProjectConfig, o: { quiet?: boolean; verbose?: boolean }): Reporter {
  return createReporter({ out: process.stdout, err: process.stderr, redact: createRedactor(config.secrets), quiet: o.quiet, verbose: o.verbose });
}

export async function runSession(loaded: ProjectConfig, o: SessionOptions): Promise<Session> {
  const config = withRemoteOverrides(loaded, remoteOverrides(o.remoteCache));
  const reporter = reporterFor(config, o);
  const interruption = o.signal ? { signal: o.signal, release: () => {} } : interruptOnSignals(reporter);
  try {
    const prepared = prepareIteration(config, o, reporter);
    const result = await build(prepared.config, { ...o, growth: prepared.growth, signal: interruption.signal, reporter });
    if (!o.iteration && result.ok && o.mode !== "dry-run" && result.outcomes.length === Object.keys(config.stages).length) warnGates(config, reporter);
    return { result, reporter, config: prepared.config };
  } finally {
    interruption.release();
    reporter.close();
  }
}

/** Flags first, then the environment; empty variables count as unset. */
function remoteOverrides(flags: RemoteCacheOverrides = {}): RemoteCacheOverrides {
  const url = flags.url ?? (process.env.DPO_REMOTE_CACHE || undefined);
  const mode = flags.mode ?? (process.env.DPO_REMOTE_CACHE_MODE || undefined);
  return { ...(url !== undefined ? { url } : {}), ...(mode !== undefined ? { mode } : {}) };
}

/** Ctrl-C once stops the build gracefully; twice quits at once. */
function interruptOnSignals(reporter: Reporter): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      reporter.warn("interrupted: stopping; finished items are kept and the next build resumes from them (Ctrl-C again to quit at once)");
      controller.abort();
    } else process.exit(130);
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  return { signal: controller.signal, release: () => process.off("SIGINT", onSignal).off("SIGTERM", onSignal) };
}

export function stageLines(outcomes: StageOutcome[]): StageLine[] {
  return outcomes.map(stageLine);
}

function stageLine(o: StageOutcome): StageLine {
  switch (o.status) {
    case "cached": // its stored tallies (a judge's scored/unscored, its calls and cost) as when it ran
      return { stage: o.stage, status: o.status, records: o.manifest.count, memoHits: 0, memoMisses: 0, ms: o.ms, tallies: o.manifest.tallies };
    case "ran":
      return { stage: o.stage, status: o.status, records: o.manifest.count, memoHits: o.memo.hits, memoMisses: o.memo.misses, ms: o.ms, tallies: o.manifest.tallies, stats: o.stats };
    case "failed":
    case "cancelled":
      return { stage: o.stage, status: o.status, memoHits: o.memo.hits, memoMisses: o.memo.misses, ms: o.ms };
    case "would-run":
    case "blocked":
      return { stage: o.stage, status: o.status, memoHits: 0, memoMisses: 0, ms: 0 };
    default:
      return assertNever(o);
  }
}

/** Prints every stage's diagnostics (failures) and returns the exit code of the build. */
export function reportFailures(s: Session, root: string): number {
  const diagnostics: Diagnostic[] = s.result.outcomes.flatMap((o) => (o.status === "failed" ? o.diagnostics : []));
  if (diagnostics.length) printDiagnostics(diagnostics, root);
  if (s.result.interrupted) return 130;
  return s.result.ok ? 0 : 1;
}
