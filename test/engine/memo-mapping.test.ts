/**
 * The memo file is mapped once: lmdb-js grows a small map by mapping the
 * file again and keeps the old mappings resident, so a growing memo held its
 * pages in RSS several times over (issue 16).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openMemo } from "../../src/engine/memo.js";
import { sha256 } from "../../src/engine/hash.js";

const dir = mkdtempSync(join(tmpdir(), "dpo-memo-map-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(existsSync("/proc/self/smaps") && process.platform === "linux")("the memo's memory map", () => {
  it("stays one mapping of the file while the memo grows past 8 MB", async () => {
    const memo = await openMemo(dir);
    try {
      const value = "x".repeat(400);
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(Array.from({ length: 1000 }, (_, i) => memo.put(sha256(`${batch}/${i}`), `${value}${batch}/${i}`)));
      }
      expect(memo.get(sha256("19/999"))).toBe(`${value}19/999`);
      const file = join(dir, "data.mdb");
      const mappings = readFileSync("/proc/self/maps", "utf8").split("\n").filter((line) => line.endsWith(file));
      expect(mappings).toHaveLength(1);
    } finally {
      await memo.close();
    }
  });
});
