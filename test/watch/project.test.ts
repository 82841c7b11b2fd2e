/**
 * The watch driver with the real project builder (loader, session, executor)
 * on a real temporary project whose judge is the local test LLM server, in
 * process: a manual clock and fake file events, the server's `hold` fault to
 * catch a build mid-flight. No sleeps: every step waits for what it needs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { WatchDriver } from "../../src/cli/watch/driver.js";
import { projectBuilder } from "../../src/cli/watch/project-builder.js";
import { runSession } from "../../src/cli/session.js";
import { ManualClock } from "../../src/engine/async/clock.js";
import { judgeReply, miniRubric } from "../e2e/helpers.js";
import { startLlmServer } from "../support/llm-server.js";
import { deferred, type Deferred } from "../support/until.js";
import { FakeEvents, RecordingOutput } from "./fakes.js";
import { CANDIDATES, JUDGE_REQUESTS, judgeProject, loadJudgeProject, MEMO_LAYERS } from "./judge-project.js";

const DEBOUNCE_MS = 150;
const RUBRIC = "rubrics/mini.yaml";
const options = { targets: [], mode: "build" as const, wait: true, jobs: 2 };

/** `changed <files> → ran <stages> · <n> memo misses · <t>s` */
const REBUILD = /^watch: (initial build|changed (.+?)) → (?:ran (.+?)|nothing to re-run) · (\d+) memo misses · [\d.]+s$/;
const rebuild = (line: string | undefined) => {
  const m = REBUILD.exec(line ?? "");
  if (!m) throw new Error(`not a rebuild line: ${line}`);
  return { changed: m[2]?.split(", ") ?? [], ran: m[3]?.split(", ") ?? [], items: Number(m[4]) };
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  let holding = false;
  const server = await startLlmServer({ reply: judgeReply, faults: () => (holding ? { type: "hold" } : undefined) });
  cleanups.push(() => server.close());
  const p = judgeProject(server.baseUrl);
  cleanups.push(() => p.remove());
  /** Set: the next load waits at its start until the test resolves it. */
  let loadGate: { reached: Deferred<void>; gate: Deferred<void> } | undefined;
  const load = async () => {
    const held = loadGate;
    loadGate = undefined;
    if (held) {
      held.reached.resolve();
      await held.gate.promise;
    }
    return loadJudgeProject(p.dir);
  };
  const clock = new ManualClock();
  const events = new FakeEvents();
  const out = new RecordingOutput();
  const driver = new WatchDriver({ clock, events, builder: projectBuilder(options, load), out, configFile: "dpo.config.yaml", debounceMs: DEBOUNCE_MS });
  cleanups.push(async () => {
    driver.stop();
    server.release();
    await driver.stopped;
  });
  await driver.start();
  expect(rebuild(out.lines[0])).toEqual({ changed: [], ran: ["prompts", "candidates", "judge", "pairs"], items: JUDGE_REQUESTS * MEMO_LAYERS });
  expect(out.lines[1]).toBe("watch: watching 6 files; Ctrl-C to stop"); // with .env
  expect(server.requestCount).toBe(JUDGE_REQUESTS);
  server.reset();
  out.printed.length = 0;
  return {
    p, server, clock, events, out, driver,
    hold: (on: boolean) => (holding = on),
    holdNextLoad: () => {
      loadGate = { reached: deferred(), gate: deferred() };
      return { reached: loadGate.reached.promise, release: loadGate.gate.resolve };
    },
    /** A plain build of the project now: what it would still have to run. */
    plainBuild: async () => (await runSession(await loadJudgeProject(p.dir), { ...options, quiet: true })).result.outcomes.filter((o) => o.status !== "cached").map((o) => o.stage),
  };
}

describe("watch with the project builder", () => {
  it("a change during a running build cancels it and restarts; the final state matches the last edit", async () => {
    const t = await setup();
    t.hold(true);
    t.p.write(RUBRIC, miniRubric.replace("Are the facts right?", "Are the facts and figures right?"));
    t.events.change(RUBRIC);
    t.clock.advance(DEBOUNCE_MS);
    await t.server.whenHeld(2); // the judge is busy: both of the provider's slots are waiting for answers
    const final = miniRubric.replace("Are the facts right?", "Are all the facts right?");
    t.p.write(RUBRIC, final);
    t.events.change(RUBRIC);
    expect(t.out.lines).toEqual([`watch: changed ${RUBRIC} during the build; cancelling and restarting`]);
    await t.driver.settled(); // the cancelled build gave up its held requests and ended
    t.hold(false);
    t.clock.advance(DEBOUNCE_MS);
    await t.driver.settled();
    // No rebuild line for the cancelled build.
    expect(t.out.lines).toHaveLength(2);
    expect(rebuild(t.out.lines[1])).toEqual({ changed: [RUBRIC], ran: ["judge", "pairs"], items: CANDIDATES * MEMO_LAYERS });

    // The outputs are those of the final rubric: a plain build has nothing to do,
    // and the judgements name the final description.
    expect(await t.plainBuild()).toEqual([]);
    const asked = (text: string) => t.server.requests.filter((b) => b.messages[1].content.includes(text)).length;
    expect(asked("Are all the facts right?")).toBe(CANDIDATES);
    expect(asked("Are the facts and figures right?")).toBeLessThan(CANDIDATES); // the cancelled build stopped early
  });

  it("a change while the project is loading cancels before anything runs; the restart builds the last edit", async () => {
    const t = await setup();
    const loading = t.holdNextLoad();
    t.p.write(RUBRIC, miniRubric.replace("Are the facts right?", "Are the facts and figures right?"));
    t.events.change(RUBRIC);
    t.clock.advance(DEBOUNCE_MS);
    await loading.reached;
    t.p.write(RUBRIC, miniRubric.replace("Are the facts right?", "Are all the facts right?"));
    t.events.change(RUBRIC);
    loading.release();
    await t.driver.settled();
    expect(t.server.requestCount).toBe(0); // the build of the cancelled load never started
    expect(t.out.lines).toEqual([`watch: changed ${RUBRIC} during the build; cancelling and restarting`]);
    t.clock.advance(DEBOUNCE_MS);
    await t.driver.settled();
    expect(rebuild(t.out.lines[1])).toEqual({ changed: [RUBRIC], ran: ["judge", "pairs"], items: CANDIDATES * MEMO_LAYERS });
    expect(t.server.requests.every((b) => b.messages[1].content.includes("Are all the facts right?"))).toBe(true);
    expect(t.server.requestCount).toBe(CANDIDATES);
  });

  it("stop during a build aborts it and says stopped", async () => {
    const t = await setup();
    t.hold(true);
    t.p.write(RUBRIC, miniRubric.replace("Crystal clear.", "Clear at first reading."));
    t.events.change(RUBRIC);
    t.clock.advance(DEBOUNCE_MS);
    await t.server.whenHeld(1);
    t.driver.stop();
    await t.driver.stopped;
    expect(t.out.lines).toEqual(["watch: stopped"]);
    expect(t.server.requestCount).toBeLessThan(CANDIDATES);
  });
});
