/**
 * A quality/calibration stage may be in `needs`; its figures are over every pair admitted so far, so they
 * would change an iteration's files as prompts are added (`dpo build --iteration`): they stay out of them.
 */
import { describe, expect, it } from "vitest";
import plugin from "../../src/plugins/export/iterations.js";
import { runPlugin } from "../support/run-plugin.js";
import { alpacaPairs } from "./alpaca-pairs.js";

const row = (subject: string, kind: "judge" | "direction", accuracy: number | null) => ({
  subject, kind, pairs: 200, covered: 40, coverage: 0.2, accuracy, kappa: 0.5, prefersLonger: 0.9, goldPrefersLonger: 0.7, positionConsistency: null,
});
// Ids in an order unlike the one wanted (direction first, then judges by name).
const calibration = [
  { id: "0a", calibration: row("zeta", "judge", 0.6) },
  { id: "0b", calibration: row("pair direction", "direction", 0.75) },
  { id: "0c", calibration: row("alpha", "judge", null) },
];

const exportWith = (inputs: Record<string, unknown[]>) =>
  runPlugin(plugin, { with: { iterations: [30], eval: { size: 10 } }, inputs: inputs as never });

describe("export/iterations with a calibration stage", () => {
  it("accepts the stage but writes its figures into no iteration file, which would change as prompts are added", async () => {
    const run = await exportWith({ pairs: alpacaPairs(), calibration });
    const without = await exportWith({ pairs: alpacaPairs() });
    const text = (r: typeof run, p: string) => Buffer.from(r.published.get(p)!).toString("utf8");
    expect(JSON.parse(text(run, "iter-0030/manifest.json")).calibration).toBeUndefined();
    expect(text(run, "iter-0030/README.md")).not.toContain("### Calibration against gold preferences");
    expect(text(run, "iter-0030/train.trl-conversational.jsonl")).toBe(text(without, "iter-0030/train.trl-conversational.jsonl"));
  });

  it("without one, manifests have no calibration and two pair stages are refused", async () => {
    const run = await exportWith({ pairs: alpacaPairs() });
    expect(JSON.parse(Buffer.from(run.published.get("iter-0030/manifest.json")!).toString()).calibration).toBeUndefined();
    await expect(exportWith({ a: alpacaPairs(), b: alpacaPairs() })).rejects.toThrow("needs exactly one upstream stage of pairs, got 2");
  });
});
