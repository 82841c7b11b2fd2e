/**
 * export/iterations' inputs: one stage of pairs, optionally a
 * quality/calibration stage (told apart by its records: every one has a
 * `calibration` object), and the stages `with.costs` names. Calibration
 * figures are not read: they cover every admitted pair, so they stay in
 * dpo.lock and the report, out of iteration files.
 */
import type { Artifact, PluginContext } from "../../engine/plugin.js";

/** The one stage of pairs among the inputs; `others` (the stages `with.costs` names) are not candidates. */
export async function splitInputs(
  ctx: Pick<PluginContext, "inputs" | "stage" | "fail">,
  plugin: string,
  others: readonly Artifact[] = [],
): Promise<{ upstream: Artifact }> {
  const pairInputs: Artifact[] = [];
  for (const artifact of Object.values(ctx.inputs).filter((a) => !others.includes(a))) {
    if (!(await isCalibration(artifact))) pairInputs.push(artifact);
  }
  if (pairInputs.length !== 1) {
    ctx.fail("/needs", `stage "${ctx.stage}" (${plugin}) needs exactly one upstream stage of pairs, got ${pairInputs.length}`, "list the stage producing the final pairs in `needs` (and optionally one quality/calibration stage)");
  }
  return { upstream: pairInputs[0]! };
}

/** Whether every record of a (non-empty) stage is a calibration record; a stage of pairs is told at its first record. */
async function isCalibration(artifact: Artifact): Promise<boolean> {
  if (artifact.count === 0) return false;
  for await (const r of artifact.records()) {
    if (typeof r.calibration !== "object" || r.calibration === null) return false;
  }
  return true;
}
