import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { reindexed, SpilledValues, valuesBetween } from "../../src/plugins/dedup/field-values.js";
import type { FieldValue } from "../../src/plugins/dedup/fields.js";

describe("SpilledValues", () => {
  it("reads back every record's field values by position, past its first allocation, and removes its file on close", () => {
    const values = new SpilledValues();
    const expected: FieldValue[][] = [];
    for (let i = 0; i < 3000; i++) {
      const v: FieldValue[] = i % 3 === 0 ? [[{ role: "user", content: `q ${i} é\n"x"` }], `a ${i}`] : [`prompt ${i} 日本`, `text ${"z".repeat(i % 50)}`];
      values.add(v);
      expected.push(v);
    }
    expect(values.length).toBe(3000);
    for (const i of [0, 1, 1023, 1024, 2047, 2999, 5]) expect(values.at(i)).toEqual(expected[i]);
    expect(valuesBetween(values, 2990, 4000)).toEqual(expected.slice(2990));
    expect(reindexed(values, [7, 3]).at(1)).toEqual(expected[3]);
    const dir = (values as unknown as { file: { dir: string } }).file.dir;
    values.close();
    expect(existsSync(dir)).toBe(false);
  });
});
