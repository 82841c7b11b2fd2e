/**
 * One line per export iteration, from dpo.lock, for `dpo status` and
 * `dpo build --explain`: built or not, the prompts it consumed of the sample
 * order (and how many the last build admitted), and its gate.
 */
import type { ProjectConfig } from "../../engine/config/load.js";
import { readLock, type LockFile } from "../../engine/lock.js";
import { projectPaths } from "../../engine/paths.js";
import { gateState, measureGate, measurementLine } from "./gates.js";
import { iterationsOf } from "./target.js";

export function iterationLines(config: ProjectConfig, lock: LockFile = readLock(projectPaths(config.root).lockFile).lock): string[] {
  return iterationsOf(config).map((t) => {
    const tallies = lock.stages[t.stage]?.tallies ?? {};
    const pairs = tallies[`pairs.${t.name}`];
    const admitted = tallies["sample.admitted"];
    const total = tallies["sample.total"];
    const built =
      pairs === undefined
        ? `not built${admitted !== undefined ? ` (the last build admitted ${admitted} of ${total} prompts)` : ""}`
        : `built: ${pairs} train pairs from ${tallies[`prompts.${t.name}`] ?? "?"} prompts consumed` +
          (admitted !== undefined ? ` (the last build admitted ${admitted} of ${total})` : "");
    const measured = measureGate(config, lock, t);
    const state = gateState(measured);
    const gate = state === "none" ? "no gate" : `gate ${state}${measured.length ? ` (${measured.map(measurementLine).join("; ")})` : ""}`;
    return `iteration ${t.name} (${t.stage}): ${built}; ${gate}`;
  });
}
