/**
 * An iteration's gate, as `export/iterations` declares it: thresholds on
 * metrics that must hold, measured on the previous iteration, before this one
 * is built (`dpo build --iteration NAME`; checked in src/cli/iteration/gates.ts).
 * `metric` is `<stage>.<metric>`: for a `command/run` stage, the metric its
 * run on the previous iteration recorded (tally `<iteration>.<metric>`), for
 * any other stage one of its tallies (`agreement.agreement.alpha.overall`,
 * `calibration.calibration.accuracy.pair-direction`).
 */
export interface Threshold {
  metric: string;
  min?: number;
  max?: number;
}

export const GATE_SCHEMA = {
  description:
    "Thresholds the previous iteration must meet before `dpo build --iteration` builds this one: each {metric: <stage>.<metric>, min} or {metric, max}. " +
    "A command/run stage's metric is read for the previous iteration; any other stage's is its tally.",
  type: "array",
  items: {
    description: "One threshold.",
    type: "object",
    additionalProperties: false,
    required: ["metric"],
    minProperties: 2,
    maxProperties: 2,
    properties: {
      metric: { description: "`<stage>.<metric>`, e.g. `probe.eval.accuracy` or `agreement.agreement.alpha.overall`.", type: "string", pattern: "^[^.]+\\..+$" },
      min: { description: "The measured value must be at least this.", type: "number" },
      max: { description: "The measured value must be at most this.", type: "number" },
    },
  },
} as const;

/** `--force` overrides, as the CLI puts them in the export's `with`: iteration → the thresholds that were not met. */
export const FORCED_SCHEMA = {
  description:
    "Set by `dpo build --iteration NAME --force`, not by hand: iteration name → the gate thresholds that were not met when it was built anyway (recorded in its manifest and card).",
  type: "object",
  additionalProperties: { type: "array", items: { type: "string" } },
  default: {},
} as const;

export function thresholdText(t: Threshold): string {
  return t.min !== undefined ? `${t.metric} >= ${t.min}` : `${t.metric} <= ${t.max}`;
}
