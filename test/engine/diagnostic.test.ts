import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, formatDiagnostic } from "../../src/engine/diagnostic.js";

describe("didYouMean", () => {
  it("counts an adjacent swap as one edit", () => {
    expect(editDistance("biuld", "build")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(didYouMean("biuld", ["build", "status", "verify"])).toBe("build");
    expect(didYouMean("jduge", ["judge", "pairs"])).toBe("judge");
    expect(didYouMean("neds", ["needs", "uses", "with"])).toBe("needs");
  });

  it("suggests nothing when no name is close", () => {
    expect(didYouMean("export", ["judge", "pairs"])).toBeUndefined();
  });
});

describe("formatDiagnostic", () => {
  it("prints file:line:column, the source line and a marker under the span", () => {
    const text = formatDiagnostic(
      { severity: "error", message: "unknown key `neds`", location: { file: "c.yaml", line: 2, column: 3, length: 4 }, hint: "did you mean `needs`?" },
      new Map([["c.yaml", "a:\n  neds: [b]\n"]]),
    );
    expect(text).toBe("c.yaml:2:3: error: unknown key `neds`\n  2 |   neds: [b]\n        ^^^^\n  hint: did you mean `needs`?");
  });
});
