/**
 * Gates between iterations. The gate declared on an iteration is measured on
 * the iteration before it, from dpo.lock: a `command/run` stage's metric is
 * its tally `<previous iteration>.<metric>` (what its run on that iteration
 * measured); any other stage's metric is its tally as the last build left it
 * (agreement α, calibration accuracy…: under `dpo build --iteration` that is
 * the prompts the previous iteration consumed). `dpo build --iteration NAME`
 * refuses unless every threshold is met; `--force` builds anyway and the
 * export records the unmet thresholds in the iteration's manifest and card.
 * A full `dpo build` builds everything and reports each gate as a warning.
 */
import type { ProjectConfig } from "../../engine/config/load.js";
import { DpoError } from "../../engine/diagnostic.js";
import type { LockFile } from "../../engine/lock.js";
import { thresholdText, type Threshold } from "../../plugins/export/gate-spec.js";
import type { IterationTarget } from "./target.js";

export const RUN_PLUGIN = "command/run";

export interface Measurement {
  threshold: Threshold;
  /** Undefined: nothing measured it yet. */
  value: number | undefined;
  met: boolean;
  /** The stage that has to run for the measurement. */
  stage: string;
}

export type GateState = "none" | "passed" | "failed" | "unmeasured";

export function measureGate(config: ProjectConfig, lock: LockFile, t: IterationTarget): Measurement[] {
  if (!t.previous) return [];
  return t.gate.map((threshold) => {
    const dot = threshold.metric.indexOf(".");
    const stage = threshold.metric.slice(0, dot);
    const metric = threshold.metric.slice(dot + 1);
    const perIteration = config.stages[stage]?.plugin.name === RUN_PLUGIN;
    const value = lock.stages[stage]?.tallies?.[perIteration ? `${t.previous}.${metric}` : metric];
    const met = value !== undefined && (threshold.min === undefined || value >= threshold.min) && (threshold.max === undefined || value <= threshold.max);
    return { threshold, value, met, stage };
  });
}

export function gateState(m: readonly Measurement[]): GateState {
  if (m.length === 0) return "none";
  if (m.some((x) => x.value === undefined)) return "unmeasured";
  return m.every((x) => x.met) ? "passed" : "failed";
}

export function measurementLine(m: Measurement): string {
  const measured = m.value === undefined ? "not measured" : `measured ${m.value}`;
  return `${thresholdText(m.threshold)}: ${measured} — ${m.met ? "met" : m.value === undefined ? "missing" : "not met"}`;
}

/** The refusal of `dpo build --iteration NAME` when its gate has not passed (exit 1). */
export function gateRefusal(t: IterationTarget, m: readonly Measurement[]): DpoError {
  const missing = [...new Set(m.filter((x) => x.value === undefined).map((x) => x.stage))];
  const lines = m.map((x) => `  ${measurementLine(x)}`).join("\n");
  const hint = missing.length
    ? `build ${t.previous} and its ${missing.join(", ")} first: \`dpo build --iteration ${t.previous}\`, or build anyway with --force`
    : `revise the rubric (or what the failing metric measures) and rebuild ${t.previous}; or build anyway with \`--force\` (recorded in ${t.name}'s manifest and card)`;
  return new DpoError({ severity: "error", message: `the gate of ${t.name} (measured on ${t.previous}) did not pass:\n${lines}`, hint }, 1);
}

/** The config with `--force`'s override in the export's `with` (and key), so the manifest and card record it. */
export function withForced(config: ProjectConfig, t: IterationTarget, m: readonly Measurement[]): ProjectConfig {
  const stage = config.stages[t.stage]!;
  const unmet = m.filter((x) => !x.met).map(measurementLine);
  if (unmet.length === 0) return config;
  const forced = { ...((stage.with as { forced?: Record<string, string[]> }).forced ?? {}), [t.name]: unmet };
  const next = { ...stage, with: { ...stage.with, forced }, keyed: { ...(stage.keyed as object), forced } };
  return { ...config, stages: { ...config.stages, [t.stage]: next } };
}
