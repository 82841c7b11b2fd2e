/**
 * One build of a loaded project, as the CLI runs it: takes the project lock,
 * wires Ctrl-C/SIGTERM to cancellation, runs the executor and prints what
 * happened. Shared by `build`, `status`, `verify` and watch mode.
 */
import { join } from "node:path";
import { runBuild, type BuildOptions, type BuildResult, type StageOutcome } from "../engine/build.js";
import { selectTargets } from "../engine/config/graph.js";
import type { ProjectConfig } from "../engine/config/load.js";
import { DpoError, type Diagnostic } from "../engine/diagnostic.js";
import { openProject, type Project } from "../engine/project.js";
import { acquireProjectLock } from "../engine/project-lock.js";
import { createRedactor } from "../engine/redact.js";
import { createReporter, type Reporter, type StageLine } from "../engine/reporter.js";
import { printDiagnostics } from "./print.js";

export interface SessionOptions extends Omit<BuildOptions, "signal" | "reporter" | "stages"> {
  targets: string[];
  wait: boolean;
  quiet?: boolean;
  verbose?: boolean;
  signal?: AbortSignal;
}

export interface Session {
  result: BuildResult;
  project: Project;
  reporter: Reporter;
}

export function reporterFor(config: ProjectConfig, o: { quiet?: boolean; verbose?: boolean }): Reporter {
  return createReporter({ out: process.stdout, err: process.stderr, redact: createRedactor(config.secrets), quiet: o.quiet, verbose: o.verbose });
}

export async function runSession(config: ProjectConfig, o: SessionOptions): Promise<Session> {
  const selected = selectTargets(config, o.targets);
  if (!selected.ok) throw new DpoError(selected.error);
  const project = openProject(config.root);
  const reporter = reporterFor(config, o);
  const controller = new AbortController();
  // A caller with its own signal (watch mode) owns interruption; an already-aborted one never fires "abort".
  const onSignal = o.signal ? undefined : interruptHandler(controller, reporter);
  if (o.signal?.aborted) controller.abort();
  else o.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  if (onSignal) process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  const held = await acquireProjectLock(join(project.cacheDir, "build.pid"), {
    wait: o.wait,
    onWait: (pid) => reporter.info(`another dpo build (pid ${pid}) is running in this project; waiting for it to finish…`),
    signal: controller.signal,
  }).catch((e) => {
    if (controller.signal.aborted) return { heldBy: -1 };
    throw e;
  });
  try {
    if ("heldBy" in held) {
      throw new DpoError({ severity: "error", message: held.heldBy > 0 ? `another dpo build (pid ${held.heldBy}) is running in this project` : "interrupted while waiting for another build", hint: "wait for it, or run without --no-wait to queue behind it" }, held.heldBy > 0 ? 1 : 130);
    }
    try {
      const result = await runBuild(project, config, selected.value, { ...o, stages: selected.value, signal: controller.signal, reporter });
      return { result, project, reporter };
    } finally {
      held.release();
    }
  } finally {
    if (onSignal) process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    reporter.close();
  }
}

function interruptHandler(controller: AbortController, reporter: Reporter): () => void {
  let count = 0;
  return () => {
    count++;
    if (count === 1) {
      reporter.warn("interrupted: stopping; finished items are kept and the next build resumes from them (Ctrl-C again to quit at once)");
      controller.abort();
    } else process.exit(130);
  };
}

export function stageLines(outcomes: StageOutcome[]): StageLine[] {
  return outcomes.map((o) => ({
    stage: o.stage,
    status: o.status,
    records: o.manifest?.count,
    memoHits: o.memoHits,
    memoMisses: o.memoMisses,
    ms: o.ms,
    tallies: o.status === "ran" ? o.manifest?.tallies : undefined,
    stats: o.stats,
  }));
}

/** Prints every stage's diagnostics (failures) and returns the exit code of the build. */
export function reportFailures(s: Session, root: string): number {
  const diagnostics: Diagnostic[] = s.result.outcomes.flatMap((o) => o.diagnostics ?? []);
  if (diagnostics.length) printDiagnostics(diagnostics, root);
  if (s.result.interrupted) return 130;
  return s.result.ok ? 0 : 1;
}
