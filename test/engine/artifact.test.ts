/**
 * writeArtifact's spill-and-merge path (sorted runs on disk, then a k-way
 * merge) must give the same bytes as the in-memory sort. A tiny run size makes
 * a handful of records take that path.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPaths } from "../../src/engine/paths.js";
import { writeArtifact } from "../../src/engine/artifact.js";
import type { Rec } from "../../src/engine/plugin.js";
import { compareLines, recordLine, serialiseRecords } from "../../src/engine/records.js";
import { ObjectStore } from "../../src/engine/store.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function newStore(): ObjectStore {
  const dir = mkdtempSync(join(tmpdir(), "dpo-artifact-"));
  dirs.push(dir);
  return new ObjectStore(projectPaths(dir));
}

/** Records in a scrambled order, with repeated ids (ties the merge must break by line) and awkward characters. */
function scrambled(n: number): Rec[] {
  const recs: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const id = `r${(i * 7919) % Math.ceil(n / 3)}`; // every id about three times
    recs.push({ id, n: (i * 31) % 11, text: i % 5 === 0 ? `line\u2028sep ${i}\r\n"quoted"` : `é ${i % 4}` });
  }
  recs.push({ id: "r1", n: 3, text: "é 1" }, { id: "r1", n: 3, text: "é 1" }); // exact duplicate lines
  return recs;
}

const row = (r: Rec) => ({ id: r.id, line: recordLine(r) });

/** Yields the records and, after each spill-sized batch, notes how many sorted runs are on disk. */
async function* watchingSpills(recs: Rec[], store: ObjectStore, seen: number[]): AsyncGenerator<Rec> {
  const tmp = store.tmpDir;
  for (const r of recs) {
    yield r;
    const sortDirs = existsSync(tmp) ? readdirSync(tmp).filter((d) => d.startsWith("sort-")) : [];
    seen.push(sortDirs.reduce((k, d) => k + readdirSync(join(tmp, d)).length, 0));
  }
}

describe("writeArtifact", () => {
  it("spills sorted runs and merges them into the same bytes and digest as the in-memory sort", async () => {
    const recs = scrambled(100);
    const memoryStore = newStore();
    const inMemory = await writeArtifact(memoryStore, recs);
    const expected = serialiseRecords(recs);
    expect(readFileSync(memoryStore.pathOf(inMemory.digest), "utf8")).toBe(expected);

    for (const runRows of [1, 2, 7, 33, 60]) {
      const store = newStore();
      const seen: number[] = [];
      const spilled = await writeArtifact(store, watchingSpills(recs, store, seen), undefined, { runRows });
      expect(spilled).toEqual(inMemory);
      expect(readFileSync(store.pathOf(spilled.digest), "utf8")).toBe(expected);
      // The merge really ran over several runs on disk (the sorted prefix written before the first
      // record out of order is one), and cleaned them up.
      const prefix = recs.findIndex((r, i) => i > 0 && compareLines(row(recs[i - 1]!), row(r)) > 0);
      const runs = Math.max(...seen);
      expect(runs).toBe(1 + Math.floor((recs.length - prefix) / runRows));
      expect(readdirSync(store.tmpDir).filter((d) => d.startsWith("sort-"))).toEqual([]);
    }
  });

  it("spills a run once its rows hold the character budget, and merges dozens of runs", async () => {
    const recs = scrambled(600).map((r, i) => ({ ...r, text: `${r.text as string} ${"…".repeat(i % 200)}` }));
    const store = newStore();
    const seen: number[] = [];
    const spilled = await writeArtifact(store, watchingSpills(recs, store, seen), undefined, { runChars: 1000 });
    expect(readFileSync(store.pathOf(spilled.digest), "utf8")).toBe(serialiseRecords(recs));
    // Each run stops at the first row that reaches 1,000 characters: far more runs than the row bound would make.
    expect(Math.max(...seen)).toBeGreaterThan(50);
  });

  it("merges when the in-memory tail is empty (the count is a multiple of the run size)", async () => {
    const recs = scrambled(40).slice(0, 40);
    const store = newStore();
    const spilled = await writeArtifact(store, recs, undefined, { runRows: 8 });
    expect(readFileSync(store.pathOf(spilled.digest), "utf8")).toBe(serialiseRecords(recs));
    expect(spilled.count).toBe(40);
  });

  it("writes records that arrive in order straight into the object: no run is ever spilled", async () => {
    const sorted = [...scrambled(100)].map(row).sort(compareLines).map((r) => JSON.parse(r.line) as Rec);
    const store = newStore();
    const seen: number[] = [];
    const written = await writeArtifact(store, watchingSpills(sorted, store, seen), undefined, { runRows: 2 });
    expect(readFileSync(store.pathOf(written.digest), "utf8")).toBe(serialiseRecords(sorted));
    expect(Math.max(...seen)).toBe(0);
    expect(written.count).toBe(sorted.length);
  });

  it("keeps a long sorted prefix as a run when a later record comes out of order", async () => {
    const sorted = [...scrambled(60)].map(row).sort(compareLines).map((r) => JSON.parse(r.line) as Rec);
    const recs = [...sorted.slice(10), ...sorted.slice(0, 10)]; // in order but for the last ten
    const store = newStore();
    const written = await writeArtifact(store, recs, undefined, { runRows: 4 });
    expect(readFileSync(store.pathOf(written.digest), "utf8")).toBe(serialiseRecords(recs));
    expect(readdirSync(store.tmpDir).filter((d) => d.startsWith("sort-") || d.startsWith(".obj-"))).toEqual([]);
  });

  it("leaves no partial object behind when the records fail midway", async () => {
    const store = newStore();
    async function* failing(): AsyncGenerator<Rec> {
      yield { id: "a" };
      yield { id: "b" };
      throw new Error("plugin failed");
    }
    await expect(writeArtifact(store, failing())).rejects.toThrow("plugin failed");
    expect(existsSync(store.tmpDir) ? readdirSync(store.tmpDir) : []).toEqual([]);
  });
});
