/**
 * The file-state table: an unchanged, not-racy stat is trusted without reading
 * the file; a stat recorded too close to its mtime is re-hashed (git's racily
 * clean rule); a saved table of the wrong shape is discarded, never a crash.
 * The clock is injected, so nothing here waits on wall-clock time.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileState } from "../../src/engine/file-state.js";
import { sha256 } from "../../src/engine/hash.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project folder with `data.txt`, its mtime set to a whole second so it can be restored exactly. */
function project(content = "aaaa") {
  const root = mkdtempSync(join(tmpdir(), "dpo-fstate-"));
  dirs.push(root);
  const file = join(root, "data.txt");
  const mtime = 1_700_000_000; // seconds
  const write = (text: string) => {
    writeFileSync(file, text); // in place: same inode
    utimesSync(file, mtime, mtime);
  };
  write(content);
  return { root, table: join(root, "cache", "file-state.json"), write, mtimeMs: statSync(file).mtimeMs };
}

describe("file-state table", () => {
  it("trusts an unchanged stat whose mtime is safely older than the hashing moment", async () => {
    const p = project("aaaa");
    const notRacy = () => p.mtimeMs + 60_000;
    const first = new FileState(p.table, p.root, { now: notRacy });
    expect(await first.digest("data.txt")).toBe(sha256("aaaa"));
    first.save();

    // Same size, same mtime, same inode, different bytes: only a re-read could notice.
    p.write("bbbb");
    const again = new FileState(p.table, p.root, { now: notRacy });
    expect(await again.digest("data.txt")).toBe(sha256("aaaa"));
    // Within one table too.
    expect(await first.digest("data.txt")).toBe(sha256("aaaa"));
  });

  it("re-hashes a file whose mtime was too close to the moment it was hashed (racily clean)", async () => {
    const p = project("aaaa");
    const racy = () => p.mtimeMs + 500; // hashed half a second after the last write: that tick may not be over
    const first = new FileState(p.table, p.root, { now: racy });
    expect(await first.digest("data.txt")).toBe(sha256("aaaa"));
    first.save();

    p.write("bbbb");
    const again = new FileState(p.table, p.root, { now: () => p.mtimeMs + 60_000 });
    expect(await again.digest("data.txt")).toBe(sha256("bbbb"));
    again.save();
    // Now recorded safely after the mtime: trusted from here on.
    p.write("cccc");
    expect(await new FileState(p.table, p.root).digest("data.txt")).toBe(sha256("bbbb"));
  });

  it("re-hashes when the size or the mtime changed", async () => {
    const p = project("aaaa");
    const state = new FileState(p.table, p.root, { now: () => p.mtimeMs + 60_000 });
    await state.digest("data.txt");
    p.write("aaaaa");
    expect(await state.digest("data.txt")).toBe(sha256("aaaaa"));
    writeFileSync(join(p.root, "data.txt"), "bbbbb");
    utimesSync(join(p.root, "data.txt"), 1_700_000_100, 1_700_000_100);
    expect(await state.digest("data.txt")).toBe(sha256("bbbbb"));
  });

  it("discards a saved table of the wrong shape with a located warning, and rewrites it", async () => {
    const entry = (size: unknown) => JSON.stringify({ "data.txt": { size, mtimeMs: 1, ino: 1, digest: sha256("aaaa"), at: 1 } });
    for (const text of ["null", '"text"', "[1, 2]", '{"data.txt": null}', entry("4"), "{trunc"]) {
      const p = project("aaaa");
      mkdirSync(dirname(p.table), { recursive: true });
      writeFileSync(p.table, text);
      const state = new FileState(p.table, p.root);
      expect(state.problem, text).toMatchObject({ severity: "warning", location: { file: "cache/file-state.json" } });
      expect(await state.digest("data.txt")).toBe(sha256("aaaa"));
      state.save();
      expect(Object.keys(JSON.parse(readFileSync(p.table, "utf8")) as object)).toEqual(["data.txt"]);
      expect(new FileState(p.table, p.root).problem).toBeUndefined();
    }
  });

  it("accepts the table it writes, and a missing one, without a warning", async () => {
    const p = project("aaaa");
    expect(new FileState(p.table, p.root).problem).toBeUndefined();
    const state = new FileState(p.table, p.root);
    await state.digest("data.txt");
    state.save();
    expect(new FileState(p.table, p.root).problem).toBeUndefined();
  });
});
