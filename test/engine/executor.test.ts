/**
 * The executor in-process: freshness, item memo reuse, early cut-off, modes,
 * corrupt-object recovery, failures, blocking and cancellation — each in
 * milliseconds, with no CLI and no sleeping.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gates, Harness, lines } from "../support/harness.js";

const harnesses: Harness[] = [];
afterEach(() => {
  for (const h of harnesses.splice(0)) h.remove();
  gates.clear();
});

/** a → b → c, and d independent of them. */
const chain = `version: 1
project: chain
seed: 7
stages:
  a: { uses: test/items, with: { path: data/a.jsonl } }
  b: { uses: test/items, needs: a, with: { suffix: "-b" } }
  c: { uses: test/items, needs: [b], with: { suffix: "-c", publish: c/texts.txt } }
  d: { uses: test/items, with: { path: data/d.jsonl } }
`;

function harness(files: Record<string, string> = {}): Harness {
  const h = new Harness({ "dpo.config.yaml": chain, "data/a.jsonl": lines(5), "data/d.jsonl": lines(3, 100), ...files });
  harnesses.push(h);
  return h;
}

const statuses = (b: { outcomes: { stage: string; status: string }[] }) => Object.fromEntries(b.outcomes.map((o) => [o.stage, o.status]));
const objectPath = (h: Harness, digest: string) => h.path(join("cache", "objects", digest.slice(0, 2), digest));

describe("freshness", () => {
  it("builds the graph once; a rebuild reuses every stage, runs no plugin and leaves dpo.lock alone", async () => {
    const h = harness();
    const first = await h.build();
    expect(statuses(first)).toEqual({ a: "ran", b: "ran", c: "ran", d: "ran" });
    expect(first.lockChanged).toBe(true);
    expect(h.read("out/c/texts.txt")).toBe(["item 0", "item 1", "item 2", "item 3", "item 4"].map((t) => `${t}-b-c`).join("\n") + "\n");
    const lock = h.read("dpo.lock");
    const second = await h.build();
    expect(statuses(second)).toEqual({ a: "cached", b: "cached", c: "cached", d: "cached" });
    expect(second.lockChanged).toBe(false);
    expect(h.read("dpo.lock")).toBe(lock);
    expect(h.activity.runs).toEqual({ a: 1, b: 1, c: 1, d: 1 });
  });

  it("re-runs exactly the dependants of a changed input, computing only the new items", async () => {
    const h = harness();
    await h.build();
    h.activity.computed = {};
    h.write("data/a.jsonl", lines(7));
    const b = await h.build();
    expect(statuses(b)).toEqual({ a: "ran", b: "ran", c: "ran", d: "cached" });
    expect(b.stage.a).toMatchObject({ memo: { hits: 5, misses: 2 }, reasons: ["input file data/a.jsonl changed"] });
    expect(b.stage.b).toMatchObject({ reasons: ['upstream stage "a" output changed'] });
    expect(h.activity.computed).toEqual({ a: ["item 5", "item 6"], b: ["item 5", "item 6"], c: ["item 5-b", "item 6-b"] });
  });

  it("reuses a downstream stage whose upstream re-ran but produced the same bytes (early cut-off)", async () => {
    const h = harness();
    await h.build();
    h.write("data/a.jsonl", lines(5).replace(/\n/g, "\n\n")); // new bytes, same records
    expect(statuses(await h.build())).toEqual({ a: "ran", b: "cached", c: "cached", d: "cached" });
  });

  it("a config edit re-runs that stage and names the key that changed", async () => {
    const h = harness();
    await h.build();
    h.write("dpo.config.yaml", chain.replace('suffix: "-c"', 'suffix: "-C"'));
    const b = await h.build();
    expect(statuses(b)).toEqual({ a: "cached", b: "cached", c: "ran", d: "cached" });
    expect(b.stage.c).toMatchObject({ reasons: ["config changed: with.suffix"] });
  });

  it("building one target builds what it needs and keeps the other stages' lock entries", async () => {
    const h = harness();
    await h.build();
    h.write("data/d.jsonl", lines(4, 100));
    h.write("data/a.jsonl", lines(6));
    const b = await h.build("build", { targets: ["b"] });
    expect(statuses(b)).toEqual({ a: "ran", b: "ran" });
    const lock = JSON.parse(h.read("dpo.lock"));
    expect(Object.keys(lock.stages).sort()).toEqual(["a", "b", "c", "d"]);
    expect(lock.stages.b.records).toBe(6);
    expect(lock.stages.c.records).toBe(5);
  });
});

describe("item memo across stages", () => {
  it("identical items that two stages compute at the same moment are computed once", async () => {
    const twin = `version: 1
project: twins
seed: 7
stages:
  a: { uses: test/items, with: { path: data/a.jsonl, gate: both } }
  d: { uses: test/items, with: { path: data/copy.jsonl, gate: both } }
`;
    const h = harness({ "dpo.config.yaml": twin, "data/copy.jsonl": lines(5) });
    // A barrier: neither stage goes past its first item until both have reached it.
    let arrived = 0;
    let open!: () => void;
    const bothThere = new Promise<void>((r) => (open = r));
    gates.set("both", async (_ctx, item) => {
      if (item !== 0) return;
      if (++arrived === 2) open();
      await bothThere;
    });
    const b = await h.build();
    expect(statuses(b)).toEqual({ a: "ran", d: "ran" });
    const computed = [...(h.activity.computed.a ?? []), ...(h.activity.computed.d ?? [])].sort();
    expect(computed).toEqual(["item 0", "item 1", "item 2", "item 3", "item 4"]);
  });
});

describe("modes", () => {
  it("dry-run says what would run and why, runs nothing and writes nothing", async () => {
    const h = harness();
    await h.build();
    const lock = h.read("dpo.lock");
    h.write("dpo.config.yaml", chain.replace('suffix: "-b"', 'suffix: "-B"'));
    const b = await h.build("dry-run");
    expect(statuses(b)).toEqual({ a: "cached", b: "would-run", c: "would-run", d: "cached" });
    expect(b.stage.b).toMatchObject({ reasons: ["config changed: with.suffix"] });
    expect(b.stage.c).toMatchObject({ reasons: ['upstream stage "b" will run'] });
    expect(h.activity.runs).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    expect(h.read("dpo.lock")).toBe(lock);
  });

  it("frozen passes on a built project and fails a stale stage with a located reason, running nothing", async () => {
    const h = harness();
    await h.build();
    expect((await h.build("frozen")).ok).toBe(true);
    h.write("data/d.jsonl", lines(4, 100));
    const b = await h.build("frozen");
    expect(b.ok).toBe(false);
    const d = b.stage.d!;
    if (d.status !== "failed") throw new Error(`d is ${d.status}`);
    expect(d.diagnostics[0]!.message).toBe('--frozen: stage "d" does not match dpo.lock and would be recomputed (input file data/d.jsonl changed)');
    expect(d.diagnostics[0]!.location).toMatchObject({ file: "dpo.config.yaml", line: 8 });
    expect(h.activity.runs.d).toBe(1);
  });

  it("verify recomputes every stage from the memo and leaves dpo.lock alone", async () => {
    const h = harness();
    await h.build();
    const lock = h.read("dpo.lock");
    h.activity.computed = {};
    const b = await h.build("verify");
    expect(statuses(b)).toEqual({ a: "ran", b: "ran", c: "ran", d: "ran" });
    expect(h.activity.computed).toEqual({});
    expect(b.lockChanged).toBe(false);
    expect(h.read("dpo.lock")).toBe(lock);
  });
});

describe("recovery", () => {
  it("recomputes a corrupt stored input with a warning instead of using it", async () => {
    const h = harness();
    const first = await h.build();
    const a = first.stage.a!;
    if (a.status !== "ran") throw new Error("a did not run");
    const path = objectPath(h, a.manifest.records);
    writeFileSync(path, readFileSync(path, "utf8").replace("item 1", "item X"));
    h.write("dpo.config.yaml", chain.replace('suffix: "-b"', 'suffix: "-B"')); // b must read a
    const b = await h.build();
    expect(b.ok).toBe(true);
    expect(b.warnings).toContain('the stored output of stage "a" is missing or corrupt; recomputing it');
    expect(readFileSync(path, "utf8")).toContain("item 1"); // rewritten intact
    expect(h.read("out/c/texts.txt")).toContain("item 1-B-c");
  });

  it("a stage re-runs when a file it read (in no key) changed, and says which file", async () => {
    const h = harness({ "notes.txt": "one\n" });
    h.write("dpo.config.yaml", chain.replace('suffix: "-b"', 'suffix: "-b", read: notes.txt'));
    expect((await h.build()).ok).toBe(true);
    h.write("notes.txt", "two\n");
    const dry = await h.build("dry-run");
    expect(dry.stage.b).toMatchObject({ reasons: ["file notes.txt (read by the stage) changed"] });
    const b = await h.build();
    expect(b.stage.b).toMatchObject({ status: "ran", reasons: ["file notes.txt (read by the stage) changed"] });
    expect(h.read("out/c/texts.txt")).toContain("item 1-btwo-c");
  });

  it("a key file the stage also read is named once when it changes", async () => {
    const h = harness();
    h.write("dpo.config.yaml", chain.replace("with: { path: data/a.jsonl }", "with: { path: data/a.jsonl, read: data/a.jsonl }"));
    expect((await h.build()).ok).toBe(true);
    h.write("data/a.jsonl", lines(4));
    const b = await h.build();
    expect(b.stage.a).toMatchObject({ status: "ran", reasons: ["input file data/a.jsonl changed"] });
  });

  it("rebuilds a stage whose stored output vanished, to the same digest", async () => {
    const h = harness();
    await h.build();
    const digest: string = JSON.parse(h.read("dpo.lock")).stages.d.output;
    rmSync(objectPath(h, digest));
    const b = await h.build();
    expect(b.stage.d).toMatchObject({ status: "ran", reasons: ["stored output missing or corrupt"] });
    expect(b.stage.a!.status).toBe("cached");
    expect(JSON.parse(h.read("dpo.lock")).stages.d.output).toBe(digest);
  });

  it("a published object gone bad while its out/ copy is missing recomputes the stage instead of failing", async () => {
    const h = harness();
    await h.build();
    const digest: string = JSON.parse(h.read("dpo.lock")).stages.c.published["c/texts.txt"];
    writeFileSync(objectPath(h, digest), "tampered\n");
    rmSync(h.path("out"), { recursive: true });
    const b = await h.build();
    expect(b.ok).toBe(true);
    expect(b.stage.c).toMatchObject({ status: "ran" });
    expect(b.warnings).toContain('a stored file of stage "c" is missing or corrupt; recomputing the stage');
    expect(h.read("out/c/texts.txt")).toContain("item 0-b-c");
  });
});

describe("failures and interruption", () => {
  it("a failing stage blocks what needs it, independent stages still build, and the lock keeps no entry for it", async () => {
    const h = harness({
      "dpo.config.yaml": chain.replace("b: { uses: test/items, needs: a, with: { suffix: \"-b\" } }", "b: { uses: test/fail, needs: a }"),
    });
    const b = await h.build();
    expect(statuses(b)).toEqual({ a: "ran", b: "failed", c: "blocked", d: "ran" });
    expect(b.ok).toBe(false);
    const failed = b.stage.b!;
    if (failed.status !== "failed") throw new Error("b did not fail");
    expect(failed.diagnostics[0]).toMatchObject({
      message: 'stage "b" (test/fail) failed: this plugin always fails',
      location: { file: "dpo.config.yaml", line: 6 },
    });
    expect(b.stage.c).toMatchObject({ by: ["b"] });
    expect(Object.keys(JSON.parse(h.read("dpo.lock")).stages).sort()).toEqual(["a", "d"]);
  });

  it("an abort mid-stage cancels it, keeps its finished items, and the next build computes only the rest", async () => {
    const h = harness({ "data/a.jsonl": lines(10) });
    h.write("dpo.config.yaml", chain.replace("{ path: data/a.jsonl }", "{ path: data/a.jsonl, gate: hold }"));
    const controller = new AbortController();
    gates.set("hold", async (ctx, item) => {
      if (item < 4) return;
      controller.abort();
      throw ctx.signal.reason;
    });
    const first = await h.build("build", { signal: controller.signal });
    expect(first.interrupted).toBe(true);
    expect(first.stage.a!.status).toBe("cancelled");
    expect(JSON.parse(h.read("dpo.lock")).stages.a).toBeUndefined();
    gates.clear();
    h.activity.computed = {};
    const second = await h.build();
    expect(second.stage.a).toMatchObject({ status: "ran", memo: { hits: 4, misses: 6 } });
    expect(h.activity.computed.a).toEqual(["item 4", "item 5", "item 6", "item 7", "item 8", "item 9"]);
  });
});
