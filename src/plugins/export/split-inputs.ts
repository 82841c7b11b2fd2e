/**
 * export/iterations' inputs: one stage of pairs, and optionally a
 * quality/calibration stage, told apart by their records (a calibration
 * stage's every record has a `calibration` object).
 */
import type { Artifact, PluginContext, Rec } from "../../engine/plugin.js";
import type { CalibrationRow } from "./manifest.js";

/**
 * The one stage of pairs, and the calibration figures when a quality/calibration
 * stage is also in `needs`; `others` (the stages `with.costs` names) are neither.
 */
export async function splitInputs(
  ctx: Pick<PluginContext, "inputs" | "stage" | "fail">,
  plugin: string,
  others: readonly Artifact[] = [],
): Promise<{ upstream: Artifact; calibration: CalibrationRow[] | null }> {
  const pairInputs: Artifact[] = [];
  let calibration: CalibrationRow[] | null = null;
  for (const artifact of Object.values(ctx.inputs).filter((a) => !others.includes(a))) {
    const rows = artifact.count > 0 ? calibrationRows(await calibrationRecords(artifact)) : null;
    if (rows) calibration = [...(calibration ?? []), ...rows];
    else pairInputs.push(artifact);
  }
  if (pairInputs.length !== 1) {
    ctx.fail("/needs", `stage "${ctx.stage}" (${plugin}) needs exactly one upstream stage of pairs, got ${pairInputs.length}`, "list the stage producing the final pairs in `needs` (and optionally one quality/calibration stage)");
  }
  return { upstream: pairInputs[0]!, calibration };
}

/** A calibration stage's records; a stage of pairs stops at its first record (one without `calibration`), returned alone. */
async function calibrationRecords(artifact: Artifact): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const r of artifact.records()) {
    out.push(r);
    if (typeof r.calibration !== "object" || r.calibration === null) break;
  }
  return out;
}

/** A quality/calibration stage's records (every one has a `calibration` object), pair direction first, then by subject; else null. */
function calibrationRows(records: Rec[]): CalibrationRow[] | null {
  if (!records.every((r) => typeof r.calibration === "object" && r.calibration !== null)) return null;
  const rows = records.map((r) => r.calibration as CalibrationRow);
  return rows.sort((a, b) => Number(b.kind === "direction") - Number(a.kind === "direction") || (a.subject < b.subject ? -1 : 1));
}
