/**
 * Watch mode and command/run: the script a command names is watched, the
 * iteration data it reads under out/ is not — out/ is the build's own output,
 * and watching it would make each build that rewrites it start the next.
 */
import { afterEach, expect, it } from "vitest";
import { WatchDriver } from "../../src/cli/watch/driver.js";
import { projectBuilder } from "../../src/cli/watch/project-builder.js";
import { ManualClock } from "../../src/engine/async/clock.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { createRegistry } from "../../src/engine/registry.js";
import commandRun from "../../src/plugins/command/run.js";
import type { Harness } from "../support/harness.js";
import { FakeEvents, RecordingOutput } from "../watch/fakes.js";
import { commandHarness, commandProject, fakeExport } from "./helpers.js";

let h: Harness;
let driver: WatchDriver<unknown> | undefined;
afterEach(async () => {
  driver?.stop();
  await driver?.stopped;
  h.remove();
});

it("watches the script a command names, not the iteration files it reads under out/", async () => {
  h = commandHarness({ "dpo.config.yaml": commandProject("  probe:\n    uses: command/run\n    needs: export\n    with:\n      command: sh scripts/probe.sh {dir} {iteration}\n      metrics: metrics.json\n") });
  const registry = createRegistry({ "test/iterations": async () => fakeExport, "command/run": async () => commandRun }, {});
  const load = async () => {
    const r = await loadConfig({ root: h.dir, registry, env: {} });
    if (!r.ok) throw new DpoError(r.error, 2);
    return r.value;
  };
  const events = new FakeEvents();
  const out = new RecordingOutput();
  const builder = projectBuilder({ targets: [], mode: "build", wait: true, jobs: 1 }, load);
  driver = new WatchDriver({ clock: new ManualClock(), events, builder, out, configFile: "dpo.config.yaml", debounceMs: 100 }) as WatchDriver<unknown>;
  await driver.start();
  expect(out.lines[0]).toMatch(/^watch: initial build → ran export, probe/);
  expect(events.watched.has("scripts/probe.sh")).toBe(true);
  expect([...events.watched].filter((p) => p.startsWith("out/"))).toEqual([]);
});
