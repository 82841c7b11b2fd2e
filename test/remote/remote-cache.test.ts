/**
 * The remote cache against a real nginx (WebDAV), in process: two clones of a
 * project sharing it, read-only mode, the server going away mid-build, and
 * corrupt remote entries. Each clone is its own folder with its own memo, as
 * two machines would be.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { filesUnder } from "../e2e/helpers.js";
import { gates, Harness, lines } from "../support/harness.js";
import { nginxAvailable, startNginx, type Nginx } from "../support/nginx.js";

const config = (url: string, mode = "read-write", extra = "") => `version: 1
project: remote-test
remoteCache:
  url: ${url}
  mode: ${mode}
  timeout: 2
${extra}stages:
  a:
    uses: test/items
    with: { path: in.jsonl, suffix: "!" }
  b:
    uses: test/items
    needs: a
    with: { suffix: "?", publish: texts.txt }
`;

const clones: Harness[] = [];
function clone(url: string, mode?: string): Harness {
  const h = new Harness({ "in.jsonl": lines(5), "dpo.config.yaml": config(url, mode) });
  clones.push(h);
  return h;
}

describe.skipIf(!nginxAvailable())("remote cache on nginx", () => {
  let nginx: Nginx;
  beforeAll(async () => {
    nginx = await startNginx();
  });
  afterAll(() => nginx?.close());
  afterEach(async () => {
    for (const h of clones.splice(0)) h.remove();
    gates.clear();
    if (!nginx) return;
    await nginx.stop();
    for (const e of readdirSync(nginx.root)) (await import("node:fs")).rmSync(join(nginx.root, e), { recursive: true, force: true });
    await nginx.restart();
  });

  it("a second clone reuses the first one's stage results: no plugin runs, byte-identical out/", async () => {
    const first = clone(nginx.url);
    const built = await first.build();
    expect(built.ok).toBe(true);
    expect(built.warnings).toEqual([]);
    const keys = [...nginx.entries().keys()];
    expect(keys.filter((k) => k.startsWith("remote-test/ac/")).length).toBe(2 + 10); // 2 stage results, 10 memo entries
    expect(keys.every((k) => /^remote-test\/(ac|cas)\/[0-9a-f]{64}$/.test(k))).toBe(true);

    const second = clone(nginx.url);
    const again = await second.build();
    expect(again.ok).toBe(true);
    expect(again.warnings).toEqual([]);
    expect(second.activity.runs).toEqual({});
    expect(again.outcomes.map((o) => o.status)).toEqual(["cached", "cached"]);
    expect(filesUnder(second.dir, "out")).toEqual(filesUnder(first.dir, "out"));
    expect(second.read("dpo.lock")).toBe(first.read("dpo.lock"));
  });

  it("a clone that recomputes (verify) takes every memo entry from the remote: nothing is computed", async () => {
    await clone(nginx.url).build();
    const second = clone(nginx.url);
    writeFileSync(second.path("dpo.lock"), readFileSync(clones[0]!.path("dpo.lock")));
    const verified = await second.build("verify");
    expect(verified.ok).toBe(true);
    expect(second.activity.runs).toEqual({ a: 1, b: 1 });
    expect(second.activity.computed).toEqual({});
    expect(verified.outcomes.map((o) => (o.status === "ran" ? o.memo : undefined))).toEqual([{ hits: 5, misses: 0 }, { hits: 5, misses: 0 }]);
  });

  it("read-only mode reads the remote but uploads nothing", async () => {
    const reader = clone(nginx.url, "read-only");
    expect((await reader.build()).ok).toBe(true);
    expect(nginx.entries().size).toBe(0);
    await clone(nginx.url).build(); // a read-write clone fills it
    const filled = nginx.entries().size;
    const late = clone(nginx.url, "read-only");
    expect((await late.build()).outcomes.map((o) => o.status)).toEqual(["cached", "cached"]);
    expect(late.activity.runs).toEqual({});
    expect(nginx.entries().size).toBe(filled);
  });

  it("turning the remote on for a warm local cache uploads the stage results it reuses", async () => {
    const warm = clone(nginx.url);
    warm.write("dpo.config.yaml", config(nginx.url).replace(/remoteCache:\n(  .*\n)+/, ""));
    await warm.build(); // no remote yet
    expect(nginx.entries().size).toBe(0);
    warm.write("dpo.config.yaml", config(nginx.url));
    const reused = await warm.build();
    expect(reused.outcomes.map((o) => o.status)).toEqual(["cached", "cached"]);
    expect([...nginx.entries().keys()].filter((k) => k.includes("/ac/"))).toHaveLength(2); // the two stage results, not the memo
    const fresh = clone(nginx.url);
    expect((await fresh.build()).outcomes.map((o) => o.status)).toEqual(["cached", "cached"]);
    expect(fresh.activity.runs).toEqual({});
  });

  it("a server that goes away mid-build: the build finishes locally with one warning", async () => {
    const h = clone(nginx.url);
    h.write("dpo.config.yaml", config(nginx.url).replace('suffix: "!" }', 'suffix: "!", gate: stop }'));
    gates.set("stop", async (_ctx, item) => {
      if (item === 2) await nginx.stop();
    });
    const built = await h.build();
    expect(built.ok).toBe(true);
    expect(built.outcomes.map((o) => o.status)).toEqual(["ran", "ran"]);
    expect(built.warnings).toEqual([expect.stringMatching(/^remote cache http:\/\/127\.0\.0\.1:\d+ is not usable \((connection (refused|reset|closed))\); going on with the local cache only/)]);
    expect(h.read("out/texts.txt")).toBe(Array.from({ length: 5 }, (_, i) => `item ${i}!?`).join("\n") + "\n");
  });

  it("a server that does not answer in time: one warning after the timeout, and the build finishes", async () => {
    const { createServer } = await import("node:net");
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const h = new Harness({ "in.jsonl": lines(3), "dpo.config.yaml": config(url).replace("timeout: 2", "timeout: 0.2") });
      clones.push(h);
      const built = await h.build();
      expect(built.ok).toBe(true);
      expect(built.warnings).toEqual([expect.stringMatching(/is not usable \(timed out\)/)]);
    } finally {
      silent.close();
    }
  });

  it("a corrupt remote object is detected, ignored with one warning, and recomputed (and repaired)", async () => {
    const first = clone(nginx.url);
    await first.build();
    const lock = JSON.parse(first.read("dpo.lock"));
    const records = join(nginx.root, "remote-test", "cas", lock.stages.a.output);
    const good = readFileSync(records);
    writeFileSync(records, Buffer.concat([good, Buffer.from("{}\n")]));
    const second = clone(nginx.url);
    const built = await second.build();
    expect(built.ok).toBe(true);
    expect(built.warnings).toEqual([expect.stringMatching(/^remote cache entry http:\/\/127\.0\.0\.1:\d+\/remote-test\/cas\/[0-9a-f]{64} is corrupt .*ignoring it/)]);
    expect(built.stage.a!.status).toBe("ran");
    expect(second.activity.computed).toEqual({}); // its items came from the remote memo
    expect(built.stage.b!.status).toBe("cached");
    expect(filesUnder(second.dir, "out")).toEqual(filesUnder(first.dir, "out"));
    expect(readFileSync(records)).toEqual(good); // the recomputed object replaced the bad one
  });

  it("a corrupt memo entry is ignored and its item computed again", async () => {
    await clone(nginx.url).build();
    const ac = join(nginx.root, "remote-test", "ac");
    let spoiled = 0;
    for (const name of readdirSync(ac)) {
      const entry = JSON.parse(readFileSync(join(ac, name), "utf8"));
      if (entry.format === "dpo.memo-entry/1" && entry.value === "item 3!") {
        writeFileSync(join(ac, name), JSON.stringify({ ...entry, value: "tampered" }));
        spoiled++;
      }
    }
    expect(spoiled).toBe(1);
    const second = clone(nginx.url);
    writeFileSync(second.path("dpo.lock"), readFileSync(clones[0]!.path("dpo.lock")));
    const built = await second.build("verify");
    expect(built.ok).toBe(true);
    expect(second.activity.computed).toEqual({ a: ["item 3"] });
    expect(built.warnings).toEqual([expect.stringMatching(/\/remote-test\/ac\/[0-9a-f]{64} is corrupt/)]);
  });
});
