/**
 * Watch mode's state machine, as a pure function: `step(state, event)` returns
 * the next state and the effects the driver must carry out (start a build,
 * abort it, (re)arm the debounce timer, print). No I/O, no timers, no promises,
 * so every transition can be tested in microseconds.
 *
 *                change                quiet for debounceMs
 *   ┌─▶ idle ────────────▶ debouncing ────────────────────▶ running ◀── start (the initial build)
 *   │                       ▲  │  ▲                          │    │
 *   │                       │  └──┘ change:                  │    │ change: abort the build
 *   │                       │       re-arm the timer         │    ▼ ("cancelling and restarting")
 *   │                       └──── build ended: drop it ──────┼── cancelling ◀─┐
 *   │                             (the changes since it      │       │        │ change: pending
 *   │                              started are pending)      │       └────────┘
 *   └── build finished: say its line · failed: its errors ───┘
 *
 *   any state ── stop ──▶ stopped (disarm the timer, abort a build in flight,
 *                                  wait for it to end, close the watcher, say so)
 *
 * Every event is handled in every state, by exhaustive switches: an event that
 * cannot matter in a state (a late timer, a build ending after stop) leaves
 * it as it is. Finished items of a cancelled build stay memoised; its result
 * is dropped without a line, and the changes seen meanwhile start the next build.
 */
import { assertNever } from "../../engine/assert-never.js";
import type { Diagnostic } from "../../engine/diagnostic.js";
import { failedLine, rebuildLine, type BuildSummary } from "./lines.js";

export type WatchState =
  | { kind: "idle" }
  | { kind: "debouncing"; pending: ReadonlySet<string> }
  /** A build is in flight for `changed` (empty for the initial build). */
  | { kind: "running"; changed: readonly string[] }
  /** The build in flight was aborted; `pending` changes start the next one once it ends. */
  | { kind: "cancelling"; pending: ReadonlySet<string> }
  | { kind: "stopped" };

export type WatchEvent =
  | { type: "changed"; path: string }
  | { type: "debounced" }
  /** The build ended; `result` is absent when it was cut short (aborted). */
  | { type: "finished"; result?: { summary: BuildSummary; diagnostics: readonly Diagnostic[]; ms: number } }
  /** The project did not load (`load`), or the build was refused (`build`: e.g. a bad target). */
  | { type: "failed"; phase: "load" | "build"; diagnostics: readonly Diagnostic[] }
  | { type: "stop" };

export type WatchEffect =
  | { type: "arm-timer" }
  | { type: "disarm-timer" }
  | { type: "build"; changed: readonly string[] }
  | { type: "abort-build" }
  | { type: "say"; line: string }
  | { type: "print"; diagnostics: readonly Diagnostic[] }
  /** Wait for a build in flight to end, close the file watcher, say "stopped". */
  | { type: "shut-down" };

export interface Step {
  state: WatchState;
  effects: WatchEffect[];
}

/** The state watch mode starts in: the initial build is already running. */
export const initialState: WatchState = { kind: "running", changed: [] };

const stay = (state: WatchState): Step => ({ state, effects: [] });

export function step(state: WatchState, event: WatchEvent, configFile: string): Step {
  switch (event.type) {
    case "changed":
      return onChanged(state, event.path);
    case "debounced":
      return onDebounced(state);
    case "finished": {
      const r = event.result;
      return onEnded(state, r ? [{ type: "print", diagnostics: r.diagnostics }, { type: "say", line: rebuildLine(runningChanged(state), r.summary, r.ms) }] : []);
    }
    case "failed":
      return onEnded(state, [
        { type: "print", diagnostics: event.diagnostics },
        ...(event.phase === "load" ? [{ type: "say", line: failedLine(runningChanged(state), configFile) } as const] : []),
      ]);
    case "stop":
      return onStop(state);
    default:
      return assertNever(event);
  }
}

function onChanged(state: WatchState, path: string): Step {
  switch (state.kind) {
    case "idle":
      return { state: { kind: "debouncing", pending: new Set([path]) }, effects: [{ type: "arm-timer" }] };
    case "debouncing":
      return { state: { kind: "debouncing", pending: new Set([...state.pending, path]) }, effects: [{ type: "arm-timer" }] };
    case "running":
      return {
        // The cancelled build's changes are not built yet: the restart covers them too.
        state: { kind: "cancelling", pending: new Set([...state.changed, path]) },
        effects: [{ type: "say", line: `changed ${path} during the build; cancelling and restarting` }, { type: "abort-build" }],
      };
    case "cancelling":
      return stay({ kind: "cancelling", pending: new Set([...state.pending, path]) });
    case "stopped":
      return stay(state);
    default:
      return assertNever(state);
  }
}

function onDebounced(state: WatchState): Step {
  switch (state.kind) {
    case "debouncing": {
      const changed = [...state.pending].sort();
      return { state: { kind: "running", changed }, effects: [{ type: "build", changed }] };
    }
    case "idle":
    case "running":
    case "cancelling":
    case "stopped":
      return stay(state); // a timer that fired as it was being disarmed
    default:
      return assertNever(state);
  }
}

/** The build ended: a running one reports (`report`); a cancelled one is dropped and the next starts after a quiet spell. */
function onEnded(state: WatchState, report: WatchEffect[]): Step {
  switch (state.kind) {
    case "running":
      return { state: { kind: "idle" }, effects: report };
    case "cancelling":
      return { state: { kind: "debouncing", pending: state.pending }, effects: [{ type: "arm-timer" }] };
    case "idle":
    case "debouncing":
    case "stopped":
      return stay(state); // no build was in flight (or nobody is listening any more)
    default:
      return assertNever(state);
  }
}

function onStop(state: WatchState): Step {
  switch (state.kind) {
    case "idle":
      return { state: { kind: "stopped" }, effects: [{ type: "shut-down" }] };
    case "debouncing":
      return { state: { kind: "stopped" }, effects: [{ type: "disarm-timer" }, { type: "shut-down" }] };
    case "running":
    case "cancelling":
      return { state: { kind: "stopped" }, effects: [{ type: "abort-build" }, { type: "shut-down" }] };
    case "stopped":
      return stay(state);
    default:
      return assertNever(state);
  }
}

function runningChanged(state: WatchState): readonly string[] {
  return state.kind === "running" ? state.changed : [];
}
