/**
 * cache/, out/ or cache/objects on another filesystem than the project (a CI
 * cache volume, `cache` symlinked to /dev/shm): every write must still be a
 * rename within one filesystem, so nothing fails with EXDEV.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { writeArtifact } from "../../src/engine/artifact.js";
import { projectPaths } from "../../src/engine/paths.js";
import { ObjectStore } from "../../src/engine/store.js";
import { Harness, lines } from "../support/harness.js";
import { canMount, mountTmpfs, unmountAll } from "./mounts.js";

const config = `version: 1
project: fs
seed: 1
stages:
  a: { uses: test/items, with: { path: data/a.jsonl, publish: a/texts.txt } }
  b: { uses: test/items, needs: a, with: { suffix: "-b", publish: b/texts.txt } }
`;

/** A fresh folder on a filesystem other than the one tmpdir() is on, or undefined when there is none to use. */
function otherFilesystemDir(): string | undefined {
  const here = statSync(tmpdir()).dev;
  if (existsSync("/dev/shm") && statSync("/dev/shm").dev !== here) return mkdtempSync("/dev/shm/dpo-fs-");
  // Same filesystem: a small tmpfs of our own, when we may mount one.
  if (!canMount) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "dpo-fs-mnt-"));
  mountTmpfs(dir, "16m");
  return dir;
}

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));
const elsewhere = otherFilesystemDir();
afterAll(() => {
  unmountAll();
  if (elsewhere) rmSync(elsewhere, { recursive: true, force: true });
});

/** A project whose `rel` is a symlink to a folder on the other filesystem. */
function projectWith(rel: string): Harness {
  const h = new Harness({ "dpo.config.yaml": config, "data/a.jsonl": lines(4) });
  const target = mkdtempSync(join(elsewhere!, "target-"));
  mkdirSync(join(h.path(rel), ".."), { recursive: true });
  symlinkSync(target, h.path(rel));
  cleanup.push(() => h.remove(), () => rmSync(target, { recursive: true, force: true }));
  return h;
}

describe.skipIf(!elsewhere)("on another filesystem", () => {
  it.each(["cache", "out", "cache/objects"])("builds, rebuilds and writes dpo.lock with %s on another filesystem", async (rel) => {
    const h = projectWith(rel);
    const first = await h.build();
    expect(first.outcomes.map((o) => o.status)).toEqual(["ran", "ran"]);
    expect(h.read("out/b/texts.txt")).toBe(["item 0", "item 1", "item 2", "item 3"].map((t) => `${t}-b`).join("\n") + "\n");
    expect(h.read("dpo.lock")).toContain('"b"');
    const second = await h.build();
    expect(second.outcomes.map((o) => o.status)).toEqual(["cached", "cached"]);
    // No temp file is left beside what was written.
    expect(readdirSync(h.dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(readdirSync(h.path("out/b")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("sorts through spilled runs into an object store on another filesystem", async () => {
    const h = projectWith("cache/objects");
    const store = new ObjectStore(projectPaths(h.dir));
    const records = Array.from({ length: 7 }, (_, i) => ({ id: `r${6 - i}`, text: String(i) }));
    const written = await writeArtifact(store, records, undefined, { runRows: 2 });
    expect(written.count).toBe(7);
    expect(store.verify(written.digest)).toBe(true);
    expect([...store.list()].map((o) => o.digest)).toEqual([written.digest]); // the scratch dir is not an object
  });
});
