/**
 * Watch mode and glob inputs: the real project builder watches a stage's
 * pattern, so a shard that appears or goes re-plans. Fake file events and a
 * manual clock, in process; plus the event filter the chokidar source uses.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { WatchDriver } from "../../src/cli/watch/driver.js";
import { projectBuilder } from "../../src/cli/watch/project-builder.js";
import { watchFilter } from "../../src/cli/watch/watch-filter.js";
import { ManualClock } from "../../src/engine/async/clock.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { createRegistry } from "../../src/engine/registry.js";
import jsonlSource from "../../src/plugins/source/jsonl.js";
import { Harness } from "../support/harness.js";
import { FakeEvents, RecordingOutput } from "./fakes.js";

const DEBOUNCE_MS = 100;
const config = `version: 1\nproject: p\nseed: 1\nstages:\n  prompts:\n    uses: source/jsonl\n    with: { path: "datasets/train-*.jsonl" }\n`;
const shard = (prompt: string) => JSON.stringify({ prompt }) + "\n";

describe("the watch filter", () => {
  it("reports watched files and any file matching a watched pattern", () => {
    const f = watchFilter(new Set(["dpo.config.yaml", "datasets/train-*.jsonl", "rubrics/a.yaml"]));
    expect([...f.dirs].sort()).toEqual([".", "datasets", "rubrics"]);
    expect(f.depth).toBe(0);
    expect(f.reports("datasets/train-9.jsonl")).toBe(true);
    expect(f.reports("datasets/test-9.jsonl")).toBe(false);
    expect(f.reports("rubrics/a.yaml")).toBe(true);
    expect(f.reports("rubrics/b.yaml")).toBe(false);
  });

  it("looks as deep as a pattern reaches", () => {
    expect(watchFilter(new Set(["data/*/train.jsonl"])).depth).toBe(1);
    expect(watchFilter(new Set(["data/**/*.jsonl"])).depth).toBe(Infinity);
    expect(watchFilter(new Set(["data/**/*.jsonl"])).relevant("data/a/b")).toBe(true);
    expect(watchFilter(new Set(["data/**/*.jsonl"])).relevant("other")).toBe(false);
  });
});

describe("watching a glob input", () => {
  let h: Harness;
  let driver: WatchDriver<unknown> | undefined;
  afterEach(async () => {
    driver?.stop();
    await driver?.stopped;
    h.remove();
  });

  it("re-plans when a matching shard appears or goes", async () => {
    h = new Harness({ "dpo.config.yaml": config, "datasets/train-0.jsonl": shard("a") });
    const registry = createRegistry({ "source/jsonl": async () => jsonlSource }, {});
    const load = async () => {
      const r = await loadConfig({ root: h.dir, registry, env: {} });
      if (!r.ok) throw new DpoError(r.error, 2);
      return r.value;
    };
    const clock = new ManualClock();
    const events = new FakeEvents();
    const out = new RecordingOutput();
    const builder = projectBuilder({ targets: [], mode: "build", wait: true, jobs: 1 }, load);
    driver = new WatchDriver({ clock, events, builder, out, configFile: "dpo.config.yaml", debounceMs: DEBOUNCE_MS }) as WatchDriver<unknown>;
    await driver.start();
    expect(out.lines[0]).toMatch(/^watch: initial build → ran prompts/);
    expect(events.watched.has("datasets/train-*.jsonl")).toBe(true);

    h.write("datasets/train-1.jsonl", shard("b"));
    events.change("datasets/train-1.jsonl");
    clock.advance(DEBOUNCE_MS);
    await driver.settled();
    expect(out.lines.at(-1)).toMatch(/^watch: changed datasets\/train-1\.jsonl → ran prompts/);

    rmSync(h.path("datasets/train-0.jsonl"));
    events.change("datasets/train-0.jsonl");
    clock.advance(DEBOUNCE_MS);
    await driver.settled();
    expect(out.lines.at(-1)).toMatch(/^watch: changed datasets\/train-0\.jsonl → ran prompts/);

    events.change("datasets/notes.txt"); // matches no pattern: not reported
    clock.advance(DEBOUNCE_MS);
    await driver.settled();
    expect(out.lines.at(-1)).toMatch(/^watch: changed datasets\/train-0\.jsonl/);
  });
});
