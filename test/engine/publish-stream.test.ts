/**
 * A stage may publish a file as a stream of chunks: it goes into the object
 * store as it is written (never whole in memory), out/ gets exactly its bytes
 * once the stage succeeds, and a stream that breaks part-way leaves out/ and
 * the store's scratch space as they were.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { definePlugin } from "../../src/engine/plugin.js";
import { Harness } from "../support/harness.js";

const made: Harness[] = [];
afterEach(() => {
  for (const h of made.splice(0)) h.remove();
});

/** Line i of the streamed file: long enough that the file passes the writer's 1 MB buffer several times. */
const lineOf = (i: number) => `${JSON.stringify({ i, text: "x".repeat(200 + (i % 50)) })}\n`;
const LINES = 20_000;

const streamer = definePlugin<{ failAt?: number }>({
  name: "test/streamer",
  version: "1",
  description: "publishes big.jsonl line by line",
  schema: { type: "object", properties: { failAt: { type: "integer" } } },
  run(ctx) {
    function* lines() {
      for (let i = 0; i < LINES; i++) {
        if (i === ctx.with.failAt) throw new Error(`line ${i} cannot be written`);
        yield lineOf(i);
      }
    }
    const stored = ctx.publish("big/big.jsonl", lines());
    ctx.publish("big/stored.json", JSON.stringify(stored));
    return [];
  },
});

function project(failAt?: number): Harness {
  const withBlock = failAt === undefined ? "" : `\n    with: { failAt: ${failAt} }`;
  const h = new Harness({ "dpo.config.yaml": `version: 1\nproject: p\nstages:\n  s:\n    uses: test/streamer${withBlock}\n` }, { "test/streamer": streamer });
  made.push(h);
  return h;
}

describe("publishing a stream of chunks", () => {
  test("out/ holds exactly the streamed bytes, and publish returns their digest and size", async () => {
    const h = project();
    const b = await h.build();
    expect(b.stage.s!.status).toBe("ran");
    const expected = Array.from({ length: LINES }, (_, i) => lineOf(i)).join("");
    expect(h.read("out/big/big.jsonl")).toBe(expected);
    const digest = createHash("sha256").update(expected).digest("hex");
    expect(JSON.parse(h.read("out/big/stored.json"))).toEqual({ digest, bytes: Buffer.byteLength(expected) });
    expect(JSON.parse(h.read("dpo.lock")).stages.s.published["big/big.jsonl"]).toBe(digest);
  });

  test("a stream that throws part-way fails the stage, leaves out/ as it was and no scratch file behind", async () => {
    const h = project();
    await h.build();
    const before = h.read("out/big/big.jsonl");
    h.write("dpo.config.yaml", `version: 1\nproject: p\nstages:\n  s:\n    uses: test/streamer\n    with: { failAt: 15000 }\n`);
    const b = await h.build();
    const s = b.stage.s!;
    if (s.status !== "failed") throw new Error(`s is ${s.status}`);
    expect(s.diagnostics[0]!.message).toContain("line 15000 cannot be written");
    expect(h.read("out/big/big.jsonl")).toBe(before);
    // The first build streamed through this folder, so it exists: an empty listing is a real check.
    const scratch = h.path("cache/objects/.tmp");
    expect(existsSync(scratch)).toBe(true);
    expect(readdirSync(scratch)).toEqual([]);
  });
});
