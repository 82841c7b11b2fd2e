/**
 * Runs the watch state machine (./machine.ts) against the world: a clock for
 * the debounce timer, a source of file events, a builder that loads and builds
 * the project, and an output for lines and diagnostics — all injected, so
 * tests drive it with a manual clock, fake events and fake builds.
 *
 * The driver is the only code that awaits. After each await of a build (the
 * load, the build, re-watching the files it read) it checks whether the build
 * was cancelled meanwhile, and if so drops what it got: a change during the
 * load never starts a build on the stale config.
 */
import { assertNever } from "../../engine/assert-never.js";
import type { Clock, Timer } from "../../engine/async/clock.js";
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import { watchingLine, type BuildSummary } from "./lines.js";
import { initialState, step, type WatchEffect, type WatchEvent, type WatchState } from "./machine.js";

/** Changes to files; the chokidar-backed one is ./chokidar-events.ts. */
export interface FileEventSource {
  /** Calls `listener` with the root-relative, `/`-separated path of every change to a watched file. */
  subscribe(listener: (path: string) => void): void;
  /** Watches exactly `paths` from now on; resolves once changes to them are reported, so none is missed. */
  setWatched(paths: ReadonlySet<string>): Promise<void>;
  close(): Promise<void>;
}

export type Loaded<C> = { ok: true; config: C } | { ok: false; diagnostics: readonly Diagnostic[] };

export interface Built {
  /** The build stopped early because `signal` was aborted. */
  interrupted: boolean;
  summary: BuildSummary;
  /** The located errors of stages that failed. */
  diagnostics: readonly Diagnostic[];
  /** Every file the build depends on: the next set to watch. */
  watched: ReadonlySet<string>;
}

/** Loads and builds the project; ./project-builder.ts is the real one. */
export interface Builder<C> {
  load(): Promise<Loaded<C>>;
  /** Throws a DpoError when the build is refused (e.g. the project lock is held and waiting is off). */
  build(config: C, signal: AbortSignal): Promise<Built>;
}

export interface WatchOutput {
  /** One `watch: …` line, given without the prefix. */
  say(line: string): void;
  diagnostics(diagnostics: readonly Diagnostic[]): void;
  /** A bug in a rebuild: watch mode reports it and keeps watching. */
  internalError(error: unknown): void;
}

export interface WatchDeps<C> {
  clock: Clock;
  events: FileEventSource;
  builder: Builder<C>;
  out: WatchOutput;
  /** Watched before the first build; named when the initial load fails. */
  configFile: string;
  debounceMs: number;
}

const CUT_SHORT: WatchEvent = { type: "finished" };

export class WatchDriver<C> {
  private current: WatchState = initialState;
  private timer: Timer | undefined;
  private controller: AbortController | undefined;
  private building: Promise<void> = Promise.resolve();
  private watched: ReadonlySet<string> = new Set();
  private resolveStopped: () => void = () => {};
  /** Resolves once a stop has shut everything down and said so. */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly deps: WatchDeps<C>) {}

  get state(): WatchState {
    return this.current;
  }

  /** The files watched right now. */
  get watching(): ReadonlySet<string> {
    return this.watched;
  }

  /** Watches the config, runs the initial build and, unless stopped meanwhile, says how many files it watches. */
  async start(): Promise<void> {
    await this.setWatched(new Set([this.deps.configFile]));
    if (this.isStopped()) return;
    this.deps.events.subscribe((path) => this.dispatch({ type: "changed", path }));
    this.run({ type: "build", changed: [] });
    await this.building;
    if (!this.isStopped()) this.deps.out.say(watchingLine(this.watched.size));
  }

  stop(): void {
    this.dispatch({ type: "stop" });
  }

  /** Resolves once the build in flight (if any) has ended and been handled. */
  settled(): Promise<void> {
    return this.building;
  }

  /** A method, not a field test: the state changes across every await. */
  private isStopped(): boolean {
    return this.current.kind === "stopped";
  }

  private dispatch(event: WatchEvent): void {
    const next = step(this.current, event, this.deps.configFile);
    this.current = next.state;
    for (const effect of next.effects) this.run(effect);
  }

  private run(effect: WatchEffect): void {
    const { clock, out } = this.deps;
    switch (effect.type) {
      case "arm-timer":
        clock.clearTimeout(this.timer);
        this.timer = clock.setTimeout(() => this.dispatch({ type: "debounced" }), this.deps.debounceMs);
        return;
      case "disarm-timer":
        clock.clearTimeout(this.timer);
        this.timer = undefined;
        return;
      case "build": {
        const controller = (this.controller = new AbortController());
        this.building = this.attempt(controller.signal).then(
          (ended) => this.dispatch(ended),
          (e: unknown) => (out.internalError(e), this.dispatch(CUT_SHORT)),
        );
        return;
      }
      case "abort-build":
        this.controller?.abort();
        return;
      case "say":
        out.say(effect.line);
        return;
      case "print":
        if (effect.diagnostics.length) out.diagnostics(effect.diagnostics);
        return;
      case "shut-down":
        void this.shutDown();
        return;
      default:
        assertNever(effect);
    }
  }

  /** One build, from loading the project to watching what it read; the event says how it ended. */
  private async attempt(signal: AbortSignal): Promise<WatchEvent> {
    const { builder, clock } = this.deps;
    const started = clock.now();
    const loaded = await builder.load();
    if (signal.aborted) return CUT_SHORT;
    if (!loaded.ok) return { type: "failed", phase: "load", diagnostics: loaded.diagnostics };
    let built: Built;
    try {
      built = await builder.build(loaded.config, signal);
    } catch (e) {
      if (signal.aborted) return CUT_SHORT;
      if (e instanceof DpoError) return { type: "failed", phase: "build", diagnostics: e.diagnostics };
      throw e;
    }
    if (signal.aborted || built.interrupted) return CUT_SHORT;
    await this.setWatched(built.watched);
    if (signal.aborted) return CUT_SHORT;
    return { type: "finished", result: { summary: built.summary, diagnostics: built.diagnostics, ms: clock.now() - started } };
  }

  private async setWatched(paths: ReadonlySet<string>): Promise<void> {
    if (this.isStopped() || sameSet(paths, this.watched)) return;
    await this.deps.events.setWatched(paths);
    this.watched = paths;
  }

  private async shutDown(): Promise<void> {
    await this.building;
    await this.deps.events.close();
    this.deps.out.say("stopped");
    this.resolveStopped();
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
