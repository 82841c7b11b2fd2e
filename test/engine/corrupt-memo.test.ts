/**
 * A truncated or bit-flipped cache/memo/data.mdb: lmdb-js would die with
 * SIGBUS or SIGSEGV on first access, printing nothing. The memo's file is
 * checked before it is mapped, and the build fails with a message that says
 * what to do. The CLI runs in a subprocess here because, before the check, the
 * damage killed the process.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoFileProblem } from "../../src/engine/memo-file.js";
import { TempProject } from "../support/project.js";
import { alpacaData } from "../e2e/helpers.js";

const config = `version: 1
project: corrupt-memo
seed: 3
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  unique-prompts:
    uses: dedup/minhash
    needs: prompts
`;

const PAGE = 4096;
const dataFile = (p: TempProject) => p.path("cache/memo/data.mdb");

/** Ways to damage an LMDB file, each as lmdb-js would otherwise meet it. */
const damage: Record<string, (file: string, size: number) => void> = {
  "truncated to half": (f, size) => truncateSync(f, Math.floor(size / PAGE / 2) * PAGE),
  "truncated mid-page": (f, size) => truncateSync(f, size - 1000),
  "cut to its meta pages": (f) => truncateSync(f, 2 * PAGE),
  "meta magic bit-flipped": (f) => flip(f, [0, PAGE].map((page) => page + 24)),
  "last-page field bit-flipped": (f) => flip(f, [0, PAGE].map((page) => page + 24 + 120 + 2)),
};

function flip(file: string, offsets: number[]): void {
  const bytes = readFileSync(file);
  for (const at of offsets) bytes[at]! ^= 0x10;
  writeFileSync(file, bytes);
}

let project: TempProject;
let pristine: string;
beforeAll(async () => {
  project = new TempProject({ ...alpacaData(8, []), "dpo.config.yaml": config });
  const built = await project.run(["build", "-q"]);
  expect(built.code, built.stderr).toBe(0);
  pristine = join(mkdtempSync(join(tmpdir(), "dpo-memo-")), "data.mdb");
  copyFileSync(dataFile(project), pristine);
  expect(memoFileProblem(pristine)).toBeUndefined();
}, 60_000);
afterAll(() => {
  project?.remove();
  rmSync(join(pristine, ".."), { recursive: true, force: true });
});

describe("a damaged memo", () => {
  it.each(Object.keys(damage))("%s: the check finds it", (how) => {
    const copy = `${pristine}.${how.replace(/\W/g, "-")}`;
    copyFileSync(pristine, copy);
    damage[how]!(copy, statSync(copy).size);
    expect(memoFileProblem(copy)).toMatch(/truncated|damaged|names|not/);
  });

  it("an empty file and a missing one are a new memo, not damage", () => {
    const empty = `${pristine}.empty`;
    writeFileSync(empty, "");
    expect(memoFileProblem(empty)).toBeUndefined();
    expect(memoFileProblem(`${pristine}.missing`)).toBeUndefined();
  });

  it.each(["truncated to half", "meta magic bit-flipped"])("%s: dpo build exits 1 saying to run dpo clean --memo, with no signal", async (how) => {
    copyFileSync(pristine, dataFile(project));
    damage[how]!(dataFile(project), statSync(dataFile(project)).size);
    // Drop the run cache (not the memo) so the memo-using stage runs and opens it.
    rmSync(project.path("cache/index"), { recursive: true, force: true });
    const r = await project.run(["build"]);
    expect(r.stderr).toMatch(/the item memo .*data\.mdb is damaged: .*/);
    expect(r.stderr).toMatch(/dpo clean --memo/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(1);
  });
});
