/**
 * A cache that cannot be written (read-only, full disk) and a memo that is
 * damaged: each is a user error that names the path and says what to do —
 * never `internal error`, a raw lmdb stack, a SIGBUS or a stale build.pid —
 * and what the memo had committed before a failure is still there.
 *
 * Read-only is a read-only bind mount and a full disk a tiny tmpfs (we run as
 * root, which ignores file modes); where mounting is not possible those tests
 * skip and the injected-error tests below still run.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { Digest } from "../../src/engine/hash.js";
import { memoFileProblem } from "../../src/engine/memo-file.js";
import { guardMemo, memoryMemo, openMemo, type MemoStore } from "../../src/engine/memo.js";
import { projectPaths } from "../../src/engine/paths.js";
import { storageError } from "../../src/engine/storage-error.js";
import { Harness } from "../support/harness.js";
import { TempProject } from "../support/project.js";
import { alpacaData } from "../e2e/helpers.js";
import { bindReadOnly, canMount, mountTmpfs, unmountAll } from "./mounts.js";

const config = `version: 1
project: faults
seed: 1
stages:
  a: { uses: test/items, with: { path: data/a.jsonl } }
`;

/** `n` records whose texts are `bytes` of incompressible base64 each. */
const bulky = (n: number, bytes: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${String(i).padStart(4, "0")}`, text: randomBytes((bytes * 3) / 4).toString("base64") })).join("\n") + "\n";

const harnesses: Harness[] = [];
afterEach(() => {
  unmountAll();
  harnesses.splice(0).forEach((h) => h.remove());
});

/** A harness on the project's real (LMDB) memo instead of an in-memory one. */
function withRealMemo(files: Record<string, string> = { "data/a.jsonl": bulky(3, 64) }): Harness {
  const h = new Harness({ "dpo.config.yaml": config, ...files });
  (h as { memo?: MemoStore }).memo = undefined;
  harnesses.push(h);
  return h;
}

const failure = (b: { stage: Record<string, { status: string; diagnostics?: { message: string; hint?: string }[] }> }) => b.stage.a?.diagnostics?.[0];

async function memoKeys(dir: string): Promise<{ keys: Digest[]; values: unknown[] }> {
  const memo = await openMemo(dir);
  try {
    const keys = [...memo.keys()];
    return { keys, values: keys.map((k) => memo.get(k)) };
  } finally {
    await memo.close();
  }
}

describe.skipIf(!canMount)("a full disk under the memo (tiny tmpfs)", () => {
  it("fails the stage naming the memo, keeps every committed item, releases the lock", async () => {
    const h = withRealMemo({ "data/a.jsonl": bulky(150, 8000) });
    const { memoDir, buildPid } = projectPaths(h.dir);
    mountTmpfs(memoDir, "512k");
    const first = await h.build();
    expect(first.stage.a!.status).toBe("failed");
    expect(failure(first)?.message).toMatch(/cannot write the item memo at .*cache[\\/]memo: (no space left on device \(ENOSPC\)|input\/output error \(EIO\))/);
    expect(failure(first)?.hint).toMatch(/free some (disk )?space/); // ENOSPC or EIO, whichever LMDB reports
    expect(existsSync(buildPid)).toBe(false);
    // Everything committed before the failure is there, whole.
    const stored = await memoKeys(memoDir);
    expect(stored.keys.length).toBeGreaterThan(10);
    expect(stored.values.every((v) => typeof v === "string" && v.length === 8000)).toBe(true);
    // The next build reuses every one of them (and fails the same way at the same place).
    const second = await h.build();
    expect(second.stage.a).toMatchObject({ status: "failed", memo: { hits: stored.keys.length } });
  });
});

describe.skipIf(!canMount)("a read-only cache", () => {
  it("a read-only memo fails the stage with a user error naming it", async () => {
    const h = withRealMemo();
    await h.build(); // creates the memo
    rmSync(projectPaths(h.dir).indexDir, { recursive: true }); // so the stage runs again and opens it
    bindReadOnly(projectPaths(h.dir).memoDir);
    const b = await h.build();
    expect(b.stage.a!.status).toBe("failed");
    expect(failure(b)?.message).toMatch(/cannot write the item memo at .*cache[\\/]memo: read-only file system \(EROFS\)/);
  });

  it("a read-only cache/ is a user error (exit 1) naming the lock, not an internal error", async () => {
    const h = withRealMemo();
    await h.build();
    bindReadOnly(projectPaths(h.dir).cacheDir);
    const err = await h.build().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err).toMatchObject({ exitCode: 1, message: expect.stringMatching(/cannot write the project lock at .*build\.pid: read-only file system \(EROFS\)/) });
  });

  it("the CLI exits 1 with the message, not 70", async () => {
    const p = new TempProject({ ...alpacaData(3, []), "dpo.config.yaml": sourceOnly });
    try {
      expect((await p.run(["build", "-q"])).code).toBe(0);
      bindReadOnly(p.path("cache"));
      const r = await p.run(["build"]);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.stderr).toMatch(/cannot write the project lock at .*: read-only file system \(EROFS\)/);
      expect(r.code).toBe(1);
    } finally {
      unmountAll();
      p.remove();
    }
  });
});

const sourceOnly = `version: 1
project: ro
seed: 1
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
`;

describe("injected memo write failures", () => {
  it.each(["ENOSPC", "EACCES"])("%s on a put fails the stage naming the memo, keeps earlier items, and never reports a failed put stored", async (code) => {
    // An in-memory memo whose puts fail from the third on, as on a full disk.
    const inner = memoryMemo();
    const put = inner.put.bind(inner);
    let puts = 0;
    inner.put = (k, v) => (++puts >= 3 ? Promise.reject(Object.assign(new Error(`${code}: injected`), { code })) : put(k, v));
    const memo = guardMemo(inner, "/project/cache/memo");
    const h = new Harness({ "dpo.config.yaml": config, "data/a.jsonl": bulky(5, 16) });
    harnesses.push(h);
    (h as { memo: MemoStore }).memo = memo;
    const b = await h.build();
    expect(b.stage.a!.status).toBe("failed");
    expect(failure(b)?.message).toMatch(new RegExp(`cannot write the item memo at /project/cache/memo: .* \\(${code}\\)`));
    expect(inner.size).toBe(2);
    await expect(memo.put("f".repeat(64) as Digest, "later")).rejects.toThrow(/cannot write the item memo/);
    expect(inner.size).toBe(2);
    expect(existsSync(projectPaths(h.dir).buildPid)).toBe(false);
  });

  it("names the path and what to do for each storage failure", () => {
    for (const code of ["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "EIO"]) {
      const e = storageError(Object.assign(new Error("x"), { code }), "/p/cache/objects", "the object store");
      expect(e).toBeInstanceOf(DpoError);
      expect(e).toMatchObject({ exitCode: 1, message: expect.stringContaining(`cannot write the object store at /p/cache/objects:`) });
      expect((e as DpoError).diagnostics[0]!.hint).toBeTruthy();
    }
    const other = new Error("boom");
    expect(storageError(other, "/p", "x")).toBe(other);
  });
});
