/**
 * The real builder of watch mode: loads the project as the CLI does and runs
 * one session (project lock, executor) cancelled by the driver's signal.
 * It is the one place that reads the executor's stage outcomes.
 */
import { relative } from "node:path";
import type { StageOutcome, StageStatus } from "../../engine/build.js";
import type { ProjectConfig } from "../../engine/config/load.js";
import { DpoError } from "../../engine/diagnostic.js";
import { projectPaths } from "../../engine/paths.js";
import { runSession, type SessionOptions } from "../session.js";
import type { Builder } from "./driver.js";
import type { BuildSummary } from "./lines.js";

export function projectBuilder(options: Omit<SessionOptions, "signal">, load: () => Promise<ProjectConfig>): Builder<ProjectConfig> {
  return {
    async load() {
      try {
        return { ok: true, config: await load() };
      } catch (e) {
        if (e instanceof DpoError) return { ok: false, diagnostics: e.diagnostics };
        throw e;
      }
    },
    async build(config, signal) {
      // `--iteration` whose gate did not pass: say why and wait for the next change, as for a config error.
      const session = await runSession(config, { ...options, quiet: true, signal }).catch((e: unknown) => {
        if (e instanceof DpoError) return e;
        throw e;
      });
      if (session instanceof DpoError) {
        return { interrupted: false, summary: summarise([]), diagnostics: session.diagnostics, watched: watchedPaths(config, []) };
      }
      const { result } = session;
      return {
        interrupted: result.interrupted,
        summary: summarise(result.outcomes),
        diagnostics: result.outcomes.flatMap((o) => (o.status === "failed" ? o.diagnostics : [])),
        watched: watchedPaths(config, result.outcomes),
      };
    },
  };
}

function summarise(outcomes: StageOutcome[]): BuildSummary {
  const named = (status: StageStatus) => outcomes.filter((o) => o.status === status).map((o) => o.stage);
  return {
    ran: named("ran"),
    failed: named("failed"),
    blocked: named("blocked"),
    memoMisses: outcomes.reduce((n, o) => n + (o.status === "ran" ? o.memo.misses : 0), 0),
  };
}

/** The config and `.env`, every file stages reference or read, their glob patterns (a shard that appears or goes re-plans), and project-local plugins. */
function watchedPaths(config: ProjectConfig, outcomes: StageOutcome[]): Set<string> {
  // `.env` is watched whether or not it exists yet: creating it changes what `${VAR}` reads.
  const envFile = relative(config.root, projectPaths(config.root).envFile).split("\\").join("/");
  const paths = new Set<string>([config.file, envFile]);
  for (const s of Object.values(config.stages)) {
    for (const f of s.files) paths.add(f);
    for (const p of s.patterns ?? []) paths.add(p);
    if (s.pluginFile) paths.add(relative(config.root, s.pluginFile).split("\\").join("/"));
  }
  // Files under out/ that a stage read (command/run reads an iteration's data there) are the build's own
  // output: watching them would make every build that rewrites them start the next.
  const out = relative(config.root, projectPaths(config.root).outDir).split("\\").join("/") + "/";
  for (const o of outcomes) {
    if (o.status === "ran" || o.status === "cached") for (const f of Object.keys(o.manifest.reads)) if (!f.startsWith(out)) paths.add(f);
  }
  return paths;
}
