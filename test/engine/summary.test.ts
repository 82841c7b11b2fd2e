import { describe, expect, test } from "vitest";
import { formatSummary } from "../../src/engine/reporter.js";

const line = (tallies: Record<string, number>) => ({ stage: "probe", status: "ran", records: 2, memoHits: 0, memoMisses: 0, ms: 5, tallies, stats: {} }) as any;

describe("build summary", () => {
  test("a stage's tallies line shows at most 16 tallies and says where the rest are", () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`iter-0100.m${String(i).padStart(2, "0")}`, i / 3]));
    const text = formatSummary([line(many)]);
    const tallyLine = text.split("\n").find((l) => l.startsWith("  probe: "))!;
    expect(tallyLine.match(/=/g)).toHaveLength(16);
    expect(tallyLine).toContain("iter-0100.m00=0  iter-0100.m01=0.3333");
    expect(tallyLine.endsWith("… 24 more in dpo.lock")).toBe(true);
  });

  test("a stage with few tallies shows them all", () => {
    const text = formatSummary([line({ "pairs.made": 720, "pairs.ties": 3 })]);
    expect(text).toContain("  probe: pairs.made=720  pairs.ties=3");
    expect(text).not.toContain("more in dpo.lock");
  });
});
