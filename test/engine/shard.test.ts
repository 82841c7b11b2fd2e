/**
 * Sharded builds in-process (`build(config, { shard })`): root records are
 * split by a stable hash of their id, the shards' item work is disjoint and
 * covers every item, a shard writes neither dpo.lock nor out/ and its root
 * run-cache entries are keyed by shard, and an assembling build afterwards
 * computes nothing and matches an unsharded build byte for byte.
 */
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { run as buildCommand } from "../../src/cli/commands/build.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { StageOutcome } from "../../src/engine/executor/outcome.js";
import { parseShard, shardOf, type Shard } from "../../src/engine/shard.js";
import { shareLimits } from "../../src/providers/limits/share.js";
import { Harness, lines, type HarnessBuild } from "../support/harness.js";

const harnesses: Harness[] = [];
afterEach(() => {
  for (const h of harnesses.splice(0)) h.remove();
});

/** Two roots (a, d); b and c descend from a; c publishes. */
const config = `version: 1
project: shards
seed: 7
stages:
  a: { uses: test/items, with: { path: data/a.jsonl } }
  b: { uses: test/items, needs: a, with: { suffix: "-b" } }
  c: { uses: test/items, needs: [b, d], with: { suffix: "-c", publish: c/texts.txt } }
  d: { uses: test/items, with: { path: data/d.jsonl } }
`;
const A = 40;
const D = 12;

function harness(): Harness {
  const h = new Harness({ "dpo.config.yaml": config, "data/a.jsonl": lines(A), "data/d.jsonl": lines(D, 100) });
  harnesses.push(h);
  return h;
}

const shard = (index: number, count: number): Shard => ({ index, count });
const digests = (b: HarnessBuild) => Object.fromEntries(b.outcomes.map((o) => [o.stage, built(o).artifact.digest]));
const misses = (b: HarnessBuild) => b.outcomes.reduce((n, o) => n + ("memo" in o ? o.memo.misses : 0), 0);
const count = (b: HarnessBuild, stage: string) => built(b.stage[stage]!).manifest.count;
function built(o: StageOutcome) {
  if (o.status !== "ran" && o.status !== "cached") throw new Error(`stage ${o.stage} is ${o.status}`);
  return o;
}

describe("sharded builds", () => {
  it("three shards do disjoint item work covering every item; the assembling build computes nothing and matches an unsharded build", async () => {
    const h = harness();
    const perShard: string[][] = [];
    for (const i of [1, 2, 3]) {
      const before = h.activity.computed.b?.length ?? 0;
      const b = await h.build("build", { shard: shard(i, 3) });
      expect(b.ok).toBe(true);
      perShard.push(h.activity.computed.b!.slice(before));
      expect(existsSync(h.path("dpo.lock"))).toBe(false);
      expect(existsSync(h.path("out"))).toBe(false);
      expect(b.lockChanged).toBe(false);
    }
    const all = perShard.flat();
    expect(perShard.every((items) => items.length > 0)).toBe(true);
    expect(new Set(all).size).toBe(all.length); // disjoint
    expect(all.sort()).toEqual(Array.from({ length: A }, (_, i) => `item ${i}`).sort()); // covering

    const assembled = await h.build();
    expect(statuses(assembled)).toEqual({ a: "ran", b: "ran", c: "ran", d: "ran" });
    expect(misses(assembled)).toBe(0);
    expect(count(assembled, "c")).toBe(A + D);

    const whole = harness();
    const unsharded = await whole.build();
    expect(digests(assembled)).toEqual(digests(unsharded));
    expect(h.read("out/c/texts.txt")).toBe(whole.read("out/c/texts.txt"));
    expect(h.read("dpo.lock")).toBe(whole.read("dpo.lock"));
  });

  it("splits root records by a stable hash of their id, the same for every root stage (pinned)", async () => {
    const h = harness();
    const b = await h.build("build", { shard: shard(2, 4) });
    const ids = (await built(b.stage.a!).artifact.all()).map((r) => r.id);
    const expected = Array.from({ length: A }, (_, i) => `r${String(i).padStart(4, "0")}`).filter((id) => shardOf(id, 4) === 2);
    expect(ids).toEqual(expected);
    expect(count(b, "d")).toBe(Array.from({ length: D }, (_, i) => `r${String(i + 100).padStart(4, "0")}`).filter((id) => shardOf(id, 4) === 2).length);
    // Pinned: a change to the hash would re-split every team's shards.
    expect(["r0000", "r0001", "r0002", "r0003", "prompt-42"].map((id) => shardOf(id, 4))).toEqual(SHARDS_OF_4);
  });

  it("a shard after a full build leaves dpo.lock and out/ alone, and its partial outputs are never taken for the whole", async () => {
    const h = harness();
    await h.build();
    const lock = h.read("dpo.lock");
    const published = h.read("out/c/texts.txt");

    const s = await h.build("build", { shard: shard(1, 2) });
    expect(s.stage.a!.status).toBe("ran"); // its key names the shard: the full output is not reused
    expect(count(s, "a")).toBeLessThan(A);
    expect(built(s.stage.a!).fingerprint.shard).toBe("1/2");
    expect(built(s.stage.b!).fingerprint.shard).toBeUndefined(); // downstream keys follow from their inputs
    expect(h.read("dpo.lock")).toBe(lock);
    expect(h.read("out/c/texts.txt")).toBe(published);

    const again = await h.build();
    expect(statuses(again)).toEqual({ a: "cached", b: "cached", c: "cached", d: "cached" });
    expect(count(again, "c")).toBe(A + D);
    expect(h.read("dpo.lock")).toBe(lock);

    const shardAgain = await h.build("build", { shard: shard(1, 2) });
    expect(statuses(shardAgain)).toEqual({ a: "cached", b: "cached", c: "cached", d: "cached" });
    expect(h.read("out/c/texts.txt")).toBe(published);
  });

  it("rejects a shard that does not exist, and --frozen with a shard, before anything runs", async () => {
    for (const bad of ["0/2", "3/2", "1/0", "2", "1/2/3", "a/b", "-1/2", "1.5/2", "", "1/"]) {
      expect(() => parseShard(bad), bad).toThrow(DpoError);
    }
    expect(() => parseShard("3/2")).toThrow('--shard: shard 3 does not exist among 2 (shards are numbered 1 to 2)');
    expect(() => parseShard("x")).toThrow('--shard expects i/n (shard i of n), found "x"');
    expect(parseShard(" 2/4 ")).toEqual(shard(2, 4));

    const h = harness();
    await expect(h.build("build", { shard: shard(0, 2) })).rejects.toThrow("shard 0 does not exist among 2");
    await expect(h.build("frozen", { shard: shard(1, 2) })).rejects.toThrow("--shard cannot be combined with --frozen");
    expect(h.activity.runs).toEqual({});
  });

  it("`dpo build` refuses a bad --shard, and --shard with --watch, as usage errors (exit 2) before loading the project", async () => {
    const h = harness();
    const refused = (argv: string[]) => buildCommand([...argv, "-C", h.dir]).then(() => undefined, (e: unknown) => e as DpoError);
    const bad = await refused(["--shard", "5/4"]);
    expect(bad).toBeInstanceOf(DpoError);
    expect(bad!.message).toContain("shard 5 does not exist among 4");
    expect(bad!.exitCode).toBe(2);
    expect((await refused(["--shard", "1/2", "--watch"]))!.message).toContain("--shard cannot be combined with --watch");
    expect((await refused(["--shard"]))!.message).toContain("--shard");
    expect(existsSync(h.path("cache"))).toBe(false);
  });
});

describe("provider limits under sharding", () => {
  it("divides concurrency and rate limits by the number of shards, rounding down but never below 1", () => {
    expect(shareLimits({ maxConcurrency: 16, rpm: 600, timeoutMs: 5 }, 10)).toEqual({ maxConcurrency: 1, rpm: 60, timeoutMs: 5 });
    expect(shareLimits({ maxConcurrency: 3, tpm: 100_000 }, 4)).toEqual({ maxConcurrency: 1, tpm: 25_000 });
    expect(shareLimits({ maxConcurrency: 8 }, 1)).toEqual({ maxConcurrency: 8 });
  });
});

const SHARDS_OF_4 = [4, 2, 3, 1, 4];
const statuses = (b: HarnessBuild) => Object.fromEntries(b.outcomes.map((o) => [o.stage, o.status]));
