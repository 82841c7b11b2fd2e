/** The watch state machine as a pure function: every event in every state. */
import { describe, expect, it } from "vitest";
import { initialState, step, type WatchEvent, type WatchState } from "../../src/cli/watch/machine.js";

const CONFIG = "dpo.config.yaml";
const summary = { ran: ["judge"], failed: [], blocked: [], memoMisses: 4 };
const diag = { severity: "error" as const, message: "bad" };

const states: Record<WatchState["kind"], WatchState> = {
  idle: { kind: "idle" },
  debouncing: { kind: "debouncing", pending: new Set(["a"]) },
  running: { kind: "running", changed: ["a"] },
  cancelling: { kind: "cancelling", pending: new Set(["a", "b"]) },
  stopped: { kind: "stopped" },
};
const events: Record<string, WatchEvent> = {
  changed: { type: "changed", path: "c" },
  debounced: { type: "debounced" },
  finished: { type: "finished", result: { summary, diagnostics: [diag], ms: 1500 } },
  "cut short": { type: "finished" },
  "failed to load": { type: "failed", phase: "load", diagnostics: [diag] },
  "refused": { type: "failed", phase: "build", diagnostics: [diag] },
  stop: { type: "stop" },
};

/** state → event → [next state kind, effect types]. */
const table: Record<WatchState["kind"], Record<keyof typeof events, [WatchState["kind"], string[]]>> = {
  idle: {
    changed: ["debouncing", ["arm-timer"]],
    debounced: ["idle", []],
    finished: ["idle", []],
    "cut short": ["idle", []],
    "failed to load": ["idle", []],
    refused: ["idle", []],
    stop: ["stopped", ["shut-down"]],
  },
  debouncing: {
    changed: ["debouncing", ["arm-timer"]],
    debounced: ["running", ["build"]],
    finished: ["debouncing", []],
    "cut short": ["debouncing", []],
    "failed to load": ["debouncing", []],
    refused: ["debouncing", []],
    stop: ["stopped", ["disarm-timer", "shut-down"]],
  },
  running: {
    changed: ["cancelling", ["say", "abort-build"]],
    debounced: ["running", []],
    finished: ["idle", ["print", "say"]],
    "cut short": ["idle", []],
    "failed to load": ["idle", ["print", "say"]],
    refused: ["idle", ["print"]],
    stop: ["stopped", ["abort-build", "shut-down"]],
  },
  cancelling: {
    changed: ["cancelling", []],
    debounced: ["cancelling", []],
    finished: ["debouncing", ["arm-timer"]],
    "cut short": ["debouncing", ["arm-timer"]],
    "failed to load": ["debouncing", ["arm-timer"]],
    refused: ["debouncing", ["arm-timer"]],
    stop: ["stopped", ["abort-build", "shut-down"]],
  },
  stopped: {
    changed: ["stopped", []],
    debounced: ["stopped", []],
    finished: ["stopped", []],
    "cut short": ["stopped", []],
    "failed to load": ["stopped", []],
    refused: ["stopped", []],
    stop: ["stopped", []],
  },
};

describe("watch state machine", () => {
  for (const [kind, row] of Object.entries(table)) {
    for (const [name, [next, effects]] of Object.entries(row)) {
      it(`${kind} + ${name} → ${next} [${effects.join(", ")}]`, () => {
        const s = step(states[kind as WatchState["kind"]], events[name]!, CONFIG);
        expect(s.state.kind).toBe(next);
        expect(s.effects.map((e) => e.type)).toEqual(effects);
      });
    }
  }

  it("starts running the initial build", () => {
    expect(initialState).toEqual({ kind: "running", changed: [] });
  });

  it("debouncing collects changes; the build gets them sorted", () => {
    let s = step({ kind: "idle" }, { type: "changed", path: "z" }, CONFIG).state;
    s = step(s, { type: "changed", path: "a" }, CONFIG).state;
    s = step(s, { type: "changed", path: "z" }, CONFIG).state;
    expect(step(s, { type: "debounced" }, CONFIG)).toEqual({ state: { kind: "running", changed: ["a", "z"] }, effects: [{ type: "build", changed: ["a", "z"] }] });
  });

  it("a change while running says so, and keeps the cancelled build's changes pending", () => {
    expect(step(states.running, { type: "changed", path: "c" }, CONFIG)).toEqual({
      state: { kind: "cancelling", pending: new Set(["a", "c"]) },
      effects: [{ type: "say", line: "changed c during the build; cancelling and restarting" }, { type: "abort-build" }],
    });
    const next = step(states.cancelling, { type: "changed", path: "c" }, CONFIG).state;
    expect(next).toEqual({ kind: "cancelling", pending: new Set(["a", "b", "c"]) });
    expect(step(next, { type: "finished" }, CONFIG).state).toEqual({ kind: "debouncing", pending: new Set(["a", "b", "c"]) });
  });

  it("a finished build prints the stages' errors, then its line", () => {
    expect(step(states.running, events.finished!, CONFIG).effects).toEqual([
      { type: "print", diagnostics: [diag] },
      { type: "say", line: "changed a → ran judge · 4 memo misses · 1.5s" },
    ]);
    expect(step(initialState, events.finished!, CONFIG).effects[1]).toEqual({ type: "say", line: "initial build → ran judge · 4 memo misses · 1.5s" });
  });

  it("a config that fails to load names what changed, or the config file for the initial build", () => {
    const line = (s: WatchState) => step(s, events["failed to load"]!, CONFIG).effects[1];
    expect(line(states.running)).toEqual({ type: "say", line: "a has errors; keeping the last good outputs, waiting for the next change" });
    expect(line(initialState)).toEqual({ type: "say", line: `${CONFIG} has errors; keeping the last good outputs, waiting for the next change` });
  });
});
