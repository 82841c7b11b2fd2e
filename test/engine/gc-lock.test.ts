/**
 * `dpo gc` and a running build: gc takes the project lock, so it waits for the
 * build and then sees the dpo.lock that names the build's fresh objects —
 * instead of deleting them mid-build.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { run as gc } from "../../src/cli/commands/gc.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { readLock } from "../../src/engine/lock.js";
import { openProject } from "../../src/engine/project.js";
import { gates, Harness, lines } from "../support/harness.js";
import { deferred } from "../support/until.js";

const config = `version: 1
project: gc
seed: 1
stages:
  a: { uses: test/items, with: { path: data/a.jsonl, publish: a/texts.txt } }
  b: { uses: test/items, needs: a, with: { suffix: "-b", gate: hold } }
`;

const harnesses: Harness[] = [];
afterEach(() => {
  harnesses.splice(0).forEach((h) => h.remove());
  gates.clear();
  vi.restoreAllMocks();
});

/** A build of a → b held inside b, after a's objects are stored and before dpo.lock names them. */
async function buildHeldInB(): Promise<{ h: Harness; release: () => void; done: Promise<unknown> }> {
  const h = new Harness({ "dpo.config.yaml": config, "data/a.jsonl": lines(3) });
  harnesses.push(h);
  const reached = deferred();
  const release = deferred();
  gates.set("hold", async () => {
    reached.resolve();
    await release.promise;
  });
  const done = h.build();
  await reached.promise;
  return { h, release: () => release.resolve(), done };
}

describe("dpo gc during a build", () => {
  it("waits for the build, then removes nothing the build produced", async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s) => (stderr.push(String(s)), true));
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const { h, release, done } = await buildHeldInB();
    const collecting = gc(["-C", h.dir]);
    release();
    expect(await done).toMatchObject({ ok: true });
    expect(await collecting).toBe(0);
    const { lock } = readLock(h.path("dpo.lock"));
    const project = openProject(h.dir);
    for (const s of Object.values(lock.stages)) {
      for (const d of [s.manifest, s.output, ...Object.values(s.published ?? {})]) expect(project.store.verify(d), d).toBe(true);
    }
    expect(stderr.join("")).toMatch(/another dpo build \(pid \d+\) is running in this project; dpo gc waits/);
    // …and the next build finds every stage up to date.
    gates.clear();
    expect((await h.build()).outcomes.map((o) => o.status)).toEqual(["cached", "cached"]);
  });

  it("fails at once with --no-wait, deleting nothing", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const { h, release, done } = await buildHeldInB();
    const project = openProject(h.dir);
    const before = [...project.store.list()].length;
    const refused = await gc(["-C", h.dir, "--no-wait"]).catch((e: unknown) => e);
    release();
    await done;
    expect(refused).toBeInstanceOf(DpoError);
    expect(refused).toMatchObject({ exitCode: 1, message: expect.stringMatching(/another dpo build \(pid \d+\) is running/) });
    expect(before).toBeGreaterThan(0);
    expect([...project.store.list()].length).toBeGreaterThanOrEqual(before);
  });
});
