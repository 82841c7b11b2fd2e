/**
 * The memo file is mapped once: lmdb-js grows a small map by mapping the
 * file again and keeps the old mappings resident, so a growing memo held its
 * pages in RSS several times over (issue 16). Under an address-space limit
 * (`ulimit -v`) the map is smaller: asked for more than it may map, lmdb-js
 * crashes the process.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openMemo } from "../../src/engine/memo.js";
import { FULL_MAP_SIZE, MapRoom, mapSizeWithin } from "../../src/engine/memo-map-size.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { sha256 } from "../../src/engine/hash.js";
import { dpoBin } from "../support/project.js";

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

describe("the memo's map size under an address-space limit", () => {
  it("is 64 GiB when there is room, else the largest power of two within a quarter of what is free, and an error below 64 MiB", () => {
    expect(mapSizeWithin(2 ** 50)).toBe(FULL_MAP_SIZE);
    expect(mapSizeWithin(10 * 2 ** 30)).toBe(2 * 2 ** 30);
    expect(mapSizeWithin(2 ** 28)).toBe(2 ** 26);
    expect(() => mapSizeWithin(200 * 2 ** 20)).toThrow(DpoError);
    expect(() => mapSizeWithin(200 * 2 ** 20)).toThrow(/leaves 200 MiB free: too little to map the item memo/);
  });

  it("refuses puts with a clear error once the file fills nine tenths of a limited map, checking every 64th put", () => {
    let pages = 0;
    const room = new MapRoom(2 ** 26, () => ({ pageSize: 4096, lastPageNumber: pages }));
    pages = Math.floor((0.9 * 2 ** 26) / 4096) - 1; // just under: accepted
    for (let i = 0; i < 128; i++) room.check();
    pages += 2;
    for (let i = 0; i < 63; i++) room.check(); // not looked at between checks
    expect(() => room.check()).toThrow(/the item memo has filled the 64 MiB of address space it may map under this process's limit/);
  });

  it.runIf(process.platform === "linux" && existsSync("/bin/bash"))("a process under `ulimit -v 8 GB` opens the memo and writes to it (it crashed with 64 GiB asked for)", () => {
    const project = mkdtempSync(join(tmpdir(), "dpo-ulimit-"));
    try {
      const script = `import { openMemo } from ${JSON.stringify(join(dpoBin, "..", "..", "dist", "engine", "memo.js"))};
        const memo = await openMemo(${JSON.stringify(join(project, "memo"))});
        await memo.put("${"a".repeat(64)}", { ok: 1 });
        console.log(JSON.stringify(memo.get("${"a".repeat(64)}")));
        await memo.close();`;
      // The compiled memo (dist/), in a process of its own: the limit applies to the process that maps the file.
      const run = spawnSync("/bin/bash", ["-c", `ulimit -v 8000000 && exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe('{"ok":1}');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
