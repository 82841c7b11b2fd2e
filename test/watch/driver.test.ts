/**
 * The watch driver in-process, in milliseconds: a manual clock, a fake file
 * event source and a fake builder whose steps the test holds and releases,
 * so every interleaving is lined up by hand, never by sleeping.
 */
import { describe, expect, it } from "vitest";
import { WatchDriver } from "../../src/cli/watch/driver.js";
import { ManualClock } from "../../src/engine/async/clock.js";
import { FakeBuilder, FakeEvents, RecordingOutput, refused } from "./fakes.js";

const DEBOUNCE_MS = 150;
const CONFIG = "dpo.config.yaml";
const INITIAL = "watch: initial build → ran a · 1 memo misses · 0.0s";
const WATCHING = (n: number) => `watch: watching ${n} files; Ctrl-C to stop`;

function setup() {
  const clock = new ManualClock();
  const events = new FakeEvents();
  const builder = new FakeBuilder();
  const out = new RecordingOutput();
  builder.watched = new Set([CONFIG, "a.txt", "b.txt"]);
  const driver = new WatchDriver({ clock, events, builder, out, configFile: CONFIG, debounceMs: DEBOUNCE_MS });
  return { clock, events, builder, out, driver };
}

/** Set up and past the initial build: idle, watching what the build reported. */
async function watching() {
  const t = setup();
  await t.driver.start();
  expect(t.out.lines).toEqual([INITIAL, WATCHING(3)]);
  t.out.printed.length = 0;
  t.builder.calls.length = 0;
  return t;
}

/** Files change, the quiet period passes, the build they start ends. */
async function edit(t: ReturnType<typeof setup>, ...paths: string[]) {
  for (const p of paths) t.events.change(p);
  t.clock.advance(DEBOUNCE_MS);
  await t.driver.settled();
}

async function stopped(t: ReturnType<typeof setup>) {
  t.driver.stop();
  await t.driver.stopped;
  expect(t.events.closed).toBe(true);
  expect(t.clock.pending).toBe(0);
  expect(t.driver.state).toEqual({ kind: "stopped" });
}

describe("watch driver", () => {
  it("builds at once on start, then watches what the build depends on", async () => {
    const t = await watching();
    expect(t.events.watched).toEqual(new Set([CONFIG, "a.txt", "b.txt"]));
    expect(t.driver.state).toEqual({ kind: "idle" });
  });

  it("debounce: changes within the quiet period become one build", async () => {
    const t = await watching();
    t.events.change("b.txt");
    t.clock.advance(100);
    t.events.change("a.txt");
    t.clock.advance(DEBOUNCE_MS - 1); // the second change re-armed the timer
    expect(t.builder.calls).toEqual([]);
    expect(t.driver.state).toEqual({ kind: "debouncing", pending: new Set(["a.txt", "b.txt"]) });
    t.clock.advance(1);
    await t.driver.settled();
    expect(t.builder.calls).toEqual(["load", "build v1"]);
    expect(t.out.lines).toEqual(["watch: changed a.txt, b.txt → ran a · 1 memo misses · 0.0s"]);
    expect(t.driver.state).toEqual({ kind: "idle" });
  });

  it("the line reports the build's stages, memo misses, failures and time, after the stages' errors", async () => {
    const t = await watching();
    t.builder.summary = { ran: ["judge", "pairs"], failed: ["x"], blocked: ["y"], memoMisses: 12 };
    t.builder.diagnostics = [{ severity: "error", message: "stage x broke" }];
    const hold = t.builder.holdNext("build");
    t.events.change("a.txt");
    t.clock.advance(DEBOUNCE_MS);
    await hold.reached;
    t.clock.advance(2_345); // the build takes a while
    hold.release();
    await t.driver.settled();
    expect(t.out.printed).toEqual(["error: stage x broke", "watch: changed a.txt → ran judge, pairs · 12 memo misses · failed x · blocked y · 2.3s"]);
  });

  it("a change while the build runs aborts it and restarts, covering both changes, without a line for the cancelled build", async () => {
    const t = await watching();
    const hold = t.builder.holdNext("build");
    t.events.change("a.txt");
    t.clock.advance(DEBOUNCE_MS);
    await hold.reached;
    t.events.change("b.txt");
    expect(t.out.lines).toEqual(["watch: changed b.txt during the build; cancelling and restarting"]);
    expect(t.builder.signals.at(-1)!.aborted).toBe(true);
    await t.driver.settled(); // the aborted build ends
    expect(t.driver.state).toEqual({ kind: "debouncing", pending: new Set(["a.txt", "b.txt"]) });
    t.events.change("b.txt"); // more changes while cancelling are simply pending
    t.clock.advance(DEBOUNCE_MS);
    await t.driver.settled();
    expect(t.builder.calls).toEqual(["load", "build v1", "load", "build v1"]);
    expect(t.out.lines).toEqual([
      "watch: changed b.txt during the build; cancelling and restarting",
      "watch: changed a.txt, b.txt → ran a · 1 memo misses · 0.0s",
    ]);
  });

  it("a change while the project is still loading cancels: the stale config is never built", async () => {
    const t = await watching();
    const hold = t.builder.holdNext("load");
    t.events.change("a.txt");
    t.clock.advance(DEBOUNCE_MS);
    await hold.reached;
    t.builder.config = "v2"; // what the next load will see
    t.events.change(CONFIG);
    expect(t.out.lines).toEqual([`watch: changed ${CONFIG} during the build; cancelling and restarting`]);
    hold.release();
    await t.driver.settled();
    expect(t.builder.calls).toEqual(["load"]); // no build of the load that was cancelled
    t.clock.advance(DEBOUNCE_MS);
    await t.driver.settled();
    expect(t.builder.calls).toEqual(["load", "load", "build v2"]);
    expect(t.out.lines.at(-1)).toBe(`watch: changed a.txt, ${CONFIG} → ran a · 1 memo misses · 0.0s`);
  });

  it("a change while re-watching after the build cancels its line; the restart reports", async () => {
    const t = await watching();
    t.builder.watched = new Set([CONFIG, "a.txt", "c.txt"]);
    const hold = t.events.holdNext();
    t.events.change("a.txt");
    t.clock.advance(DEBOUNCE_MS);
    await hold.reached;
    t.events.change("b.txt"); // still watched: the new set is not live yet
    hold.release();
    await t.driver.settled();
    expect(t.out.lines).toEqual(["watch: changed b.txt during the build; cancelling and restarting"]);
    await edit(t);
    expect(t.out.lines.at(-1)).toBe("watch: changed a.txt, b.txt → ran a · 1 memo misses · 0.0s");
    expect(t.events.watched).toEqual(new Set([CONFIG, "a.txt", "c.txt"]));
  });

  it("watches the set the last build reported: dropped files are ignored, new ones rebuild", async () => {
    const t = await watching();
    t.builder.watched = new Set([CONFIG, "a.txt", "c.txt"]);
    t.events.change("c.txt"); // not watched yet
    t.clock.advance(DEBOUNCE_MS);
    expect(t.builder.calls).toEqual([]);
    await edit(t, "a.txt");
    expect(t.events.watched).toEqual(new Set([CONFIG, "a.txt", "c.txt"]));
    expect(t.driver.watching).toEqual(new Set([CONFIG, "a.txt", "c.txt"]));
    t.events.change("b.txt"); // no longer watched
    t.clock.advance(DEBOUNCE_MS);
    expect(t.builder.calls).toEqual(["load", "build v1"]);
    await edit(t, "c.txt");
    expect(t.out.lines).toEqual(["watch: changed a.txt → ran a · 1 memo misses · 0.0s", "watch: changed c.txt → ran a · 1 memo misses · 0.0s"]);
  });

  it("a config that does not load prints its errors and keeps watching; fixing it rebuilds", async () => {
    const t = await watching();
    t.builder.invalid = [{ severity: "error", message: "unknown key `neds`" }];
    await edit(t, CONFIG);
    expect(t.out.printed).toEqual(["error: unknown key `neds`", `watch: ${CONFIG} has errors; keeping the last good outputs, waiting for the next change`]);
    expect(t.driver.state).toEqual({ kind: "idle" });
    expect(t.events.watched).toEqual(new Set([CONFIG, "a.txt", "b.txt"])); // the last good set
    t.builder.invalid = undefined;
    await edit(t, CONFIG);
    expect(t.out.lines.at(-1)).toBe(`watch: changed ${CONFIG} → ran a · 1 memo misses · 0.0s`);
  });

  it("an initial config that does not load names the config file, then watches it", async () => {
    const t = setup();
    t.builder.invalid = [{ severity: "error", message: "bad" }];
    await t.driver.start();
    expect(t.out.printed).toEqual(["error: bad", `watch: ${CONFIG} has errors; keeping the last good outputs, waiting for the next change`, WATCHING(1)]);
    t.builder.invalid = undefined;
    await edit(t, CONFIG);
    expect(t.out.lines.at(-1)).toBe(`watch: changed ${CONFIG} → ran a · 1 memo misses · 0.0s`);
  });

  it("a refused build prints its errors without a line; a crashing one says so; both keep watching", async () => {
    const t = await watching();
    t.builder.refuse = refused("another dpo build (pid 7) is running in this project");
    await edit(t, "a.txt");
    t.builder.refuse = new Error("boom");
    await edit(t, "a.txt");
    t.builder.refuse = undefined;
    await edit(t, "a.txt");
    expect(t.out.printed).toEqual([
      "error: another dpo build (pid 7) is running in this project",
      "internal: boom",
      "watch: changed a.txt → ran a · 1 memo misses · 0.0s",
    ]);
  });

  describe("stop", () => {
    it("from idle: closes the watcher and says so", async () => {
      const t = await watching();
      await stopped(t);
      expect(t.out.lines).toEqual(["watch: stopped"]);
    });

    it("from debouncing: the pending build never starts", async () => {
      const t = await watching();
      t.events.change("a.txt");
      expect(t.clock.pending).toBe(1);
      await stopped(t);
      t.clock.advance(DEBOUNCE_MS);
      expect(t.builder.calls).toEqual([]);
      expect(t.out.lines).toEqual(["watch: stopped"]);
    });

    it("from running: aborts the build, waits for it to end, then says stopped", async () => {
      const t = await watching();
      const hold = t.builder.holdNext("build");
      t.events.change("a.txt");
      t.clock.advance(DEBOUNCE_MS);
      await hold.reached;
      await stopped(t);
      expect(t.builder.signals.at(-1)!.aborted).toBe(true);
      expect(t.out.lines).toEqual(["watch: stopped"]);
    });

    it("from running, while loading: says stopped only once the load ends, and builds nothing", async () => {
      const t = await watching();
      const hold = t.builder.holdNext("load");
      t.events.change("a.txt");
      t.clock.advance(DEBOUNCE_MS);
      await hold.reached;
      t.driver.stop();
      let done = false;
      void t.driver.stopped.then(() => (done = true));
      await Promise.resolve();
      expect(done).toBe(false);
      hold.release();
      await t.driver.stopped;
      expect(t.builder.calls).toEqual(["load"]);
      expect(t.out.lines).toEqual(["watch: stopped"]);
    });

    it("from cancelling: nothing restarts", async () => {
      const t = await watching();
      const hold = t.builder.holdNext("load");
      t.events.change("a.txt");
      t.clock.advance(DEBOUNCE_MS);
      await hold.reached;
      t.events.change("b.txt");
      expect(t.driver.state.kind).toBe("cancelling");
      t.driver.stop();
      hold.release();
      await stopped(t);
      t.clock.advance(DEBOUNCE_MS);
      expect(t.builder.calls).toEqual(["load"]);
      expect(t.out.lines).toEqual(["watch: changed b.txt during the build; cancelling and restarting", "watch: stopped"]);
    });

    it("from stopped: a second stop and later changes do nothing", async () => {
      const t = await watching();
      await stopped(t);
      t.driver.stop();
      t.events.change("a.txt");
      t.clock.advance(DEBOUNCE_MS);
      await t.driver.settled();
      expect(t.out.lines).toEqual(["watch: stopped"]);
      expect(t.builder.calls).toEqual([]);
    });

    it("during the initial build: no watching line, and the build is aborted", async () => {
      const t = setup();
      const hold = t.builder.holdNext("build");
      const starting = t.driver.start();
      await hold.reached;
      t.driver.stop();
      await starting;
      await t.driver.stopped;
      expect(t.builder.signals[0]!.aborted).toBe(true);
      expect(t.out.lines).toEqual(["watch: stopped"]);
    });

    it("while the config is first being watched: no build starts", async () => {
      const t = setup();
      const hold = t.events.holdNext();
      const starting = t.driver.start();
      await hold.reached;
      t.driver.stop();
      hold.release();
      await starting;
      await t.driver.stopped;
      expect(t.builder.calls).toEqual([]);
      expect(t.out.lines).toEqual(["watch: stopped"]);
    });
  });
});
