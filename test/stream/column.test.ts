import { describe, expect, it } from "vitest";
import { Column } from "../../src/plugins/stream/column.js";

describe("Column", () => {
  it("grows past its first allocation, keeps what was written and reads unwritten slots as empty", () => {
    const c = new Column((n) => new Int32Array(n), -1);
    c.set(3, 7);
    c.set(5000, 9);
    expect([c.get(3), c.get(5000), c.get(4), c.get(4999), c.get(1_000_000)]).toEqual([7, 9, -1, -1, -1]);
    const f = new Column((n) => new Float64Array(n), NaN);
    f.set(2048, 0.5);
    expect([f.get(2048), f.get(0)]).toEqual([0.5, NaN]);
  });
});
