/**
 * Calibration against gold labels, when an input carries it: one record per
 * subject (`calibration.subject`: a judge, or the pair direction), with the
 * figures the quality/calibration stage reports (coverage, accuracy, κ, length
 * preference…). The report does not assume which figures: it shows every
 * scalar, nested objects flattened one level (`length.bias`).
 */
import { isObject, type Input } from "./inputs.js";

export interface Calibration {
  stage: string;
  columns: string[];
  rows: { judge: string; values: Record<string, string | number | boolean | null> }[];
}

export function calibrations(inputs: readonly Input[]): Calibration[] {
  return inputs.filter((i) => i.kind === "calibration").map((input) => {
    const rows = input.records.map((rec) => {
      const c = rec.calibration as Record<string, unknown>;
      return { judge: String(c.subject), values: flatten(c) };
    });
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
    return { stage: input.stage, columns, rows };
  });
}

type Scalar = string | number | boolean | null;

function flatten(rec: Record<string, unknown>): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (k === "subject") continue;
    if (isScalar(v)) out[k] = v;
    else if (isObject(v)) for (const [k2, v2] of Object.entries(v)) if (isScalar(v2)) out[`${k}.${k2}`] = v2;
  }
  return out;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}
