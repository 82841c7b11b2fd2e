/**
 * What a session does for iterations: before `dpo build --iteration NAME`,
 * find it, check its gate (refuse, or record `--force`) and hand the engine
 * the growth policy; after a full build, report every gate as a warning.
 */
import type { Growth } from "../../engine/build.js";
import type { ProjectConfig } from "../../engine/config/load.js";
import { readLock } from "../../engine/lock.js";
import { projectPaths } from "../../engine/paths.js";
import type { Reporter } from "../../engine/reporter.js";
import { gateRefusal, gateState, measureGate, measurementLine, withForced } from "./gates.js";
import { findIteration, iterationGrowth, iterationsOf } from "./target.js";

export interface IterationOptions {
  /** `--iteration NAME`: build just enough for it. */
  iteration?: string;
  /** `--force`: build it even though its gate did not pass. */
  force?: boolean;
}

export function prepareIteration(config: ProjectConfig, o: IterationOptions, reporter: Reporter): { config: ProjectConfig; growth?: Growth } {
  if (!o.iteration) return { config };
  const target = findIteration(config, o.iteration);
  const measured = measureGate(config, readLock(projectPaths(config.root).lockFile).lock, target);
  const state = gateState(measured);
  if (state === "passed") reporter.info(`gate of ${target.name} passed on ${target.previous}: ${measured.map(measurementLine).join("; ")}`);
  if (state === "failed" || state === "unmeasured") {
    if (!o.force) throw gateRefusal(target, measured);
    reporter.warn(`--force: building ${target.name} although its gate did not pass (${measured.filter((m) => !m.met).map(measurementLine).join("; ")})`);
    return { config: withForced(config, target, measured), growth: iterationGrowth(target) };
  }
  return { config, growth: iterationGrowth(target) };
}

/** After a build of everything: each declared gate that has not passed, as a warning (nothing is refused). */
export function warnGates(config: ProjectConfig, reporter: Reporter): void {
  const lock = readLock(projectPaths(config.root).lockFile).lock;
  for (const t of iterationsOf(config)) {
    const measured = measureGate(config, lock, t);
    const state = gateState(measured);
    if (state === "failed" || state === "unmeasured") {
      reporter.warn(`gate of ${t.name} (measured on ${t.previous}) ${state === "failed" ? "did not pass" : "is not measured yet"}: ${measured.map(measurementLine).join("; ")}`);
    }
  }
}
