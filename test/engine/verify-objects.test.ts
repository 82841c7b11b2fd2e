/**
 * `dpo verify` checks the stored objects dpo.lock names before it recomputes
 * them (recomputing rewrites them, hiding the damage): a corrupt one and a
 * deleted one are both reported, exit 1. A stage none of whose objects are
 * stored (after `dpo clean`) is simply recomputed: that is what verify is for.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LockFile } from "../../src/engine/lock.js";
import { projectPaths } from "../../src/engine/paths.js";
import { alpacaData } from "../e2e/helpers.js";
import { TempProject } from "../support/project.js";

type Command = { run: (argv: string[]) => Promise<number> };
// The CLI's loader (real plugins) runs from dist/ only.
const command = async (name: string) => (await import(new URL(`../../dist/cli/commands/${name}.js`, import.meta.url).href)) as Command;

const config = `version: 1
project: verify-objects
seed: 2
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
`;

let p: TempProject;
let stderr: string[];
beforeEach(async () => {
  stderr = [];
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (stderr.push(String(s)), true));
  p = new TempProject({ ...alpacaData(4, []), "dpo.config.yaml": config });
  expect(await (await command("build")).run(["-C", p.dir, "-q"])).toBe(0);
});
afterEach(() => {
  vi.restoreAllMocks();
  p.remove();
});

const verify = async () => (await command("verify")).run(["-C", p.dir, "-q"]);
const locked = () => (JSON.parse(p.read("dpo.lock")) as LockFile).stages.prompts!;
const objectPath = (digest: string) => join(projectPaths(p.dir).objectsDir, digest.slice(0, 2), digest);

describe("dpo verify and the stored objects of dpo.lock", () => {
  it("passes on an intact store", async () => {
    expect(await verify()).toBe(0);
  });

  it("reports a deleted output object", async () => {
    rmSync(objectPath(locked().output));
    expect(await verify()).toBe(1);
    expect(stderr.join("")).toContain('verify: stage "prompts": a stored object in dpo.lock is missing (deleted from the store); it was recomputed and rewritten');
  });

  it("reports a corrupt output object", async () => {
    writeFileSync(objectPath(locked().output), "edited\n");
    expect(await verify()).toBe(1);
    expect(stderr.join("")).toContain("does not match its digest (edited or corrupt)");
  });

  it("recomputes a cleaned store without calling it damage", async () => {
    for (const path of projectPaths(p.dir).derived) rmSync(path, { recursive: true, force: true });
    expect(await verify()).toBe(0);
  });
});
