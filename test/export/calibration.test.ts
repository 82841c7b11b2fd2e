/** Calibration figures from a quality/calibration stage in `needs` go into every manifest and card. */
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
  it("writes the figures into each manifest and card, pair direction first", async () => {
    const run = await exportWith({ pairs: alpacaPairs(), calibration });
    const text = (p: string) => Buffer.from(run.trace.published.get(p)!).toString("utf8");
    const manifest = JSON.parse(text("iter-0030/manifest.json"));
    expect(manifest.calibration.map((c: { subject: string }) => c.subject)).toEqual(["pair direction", "alpha", "zeta"]);
    expect(manifest.calibration[0]).toEqual(calibration[1]!.calibration);
    const card = text("iter-0030/README.md");
    expect(card).toContain("### Calibration against gold preferences");
    expect(card).toContain("| pair direction (chosen side) | 40 | 0.200 | 0.750 | 0.500 | 0.900 | 0.700 |");
    expect(card).toContain("| judge `alpha` | 40 | 0.200 | n/a | 0.500 | 0.900 | 0.700 |");
  });

  it("without one, manifests have no calibration and two pair stages are refused", async () => {
    const run = await exportWith({ pairs: alpacaPairs() });
    expect(JSON.parse(Buffer.from(run.trace.published.get("iter-0030/manifest.json")!).toString()).calibration).toBeUndefined();
    await expect(exportWith({ a: alpacaPairs(), b: alpacaPairs() })).rejects.toThrow("needs exactly one upstream stage of pairs, got 2");
  });
});
