/**
 * Fakes for the watch driver: a file-event source the test fires by hand, a
 * builder whose load and build can be held at their await until the test
 * releases them, and an output that records what would be printed.
 */
import type { Built, Builder, FileEventSource, Loaded, WatchOutput } from "../../src/cli/watch/driver.js";
import type { BuildSummary } from "../../src/cli/watch/lines.js";
import { watchFilter } from "../../src/cli/watch/watch-filter.js";
import { DpoError, type Diagnostic } from "../../src/engine/diagnostic.js";
import { deferred, type Deferred } from "../support/until.js";

/** A step held at its await: `reached` resolves once the driver is waiting there; `release()` lets it go on. */
export interface Hold {
  readonly reached: Promise<void>;
  release(): void;
}

class HoldPoint implements Hold {
  private readonly arrived = deferred();
  private readonly gate = deferred();
  readonly reached = this.arrived.promise;
  release(): void {
    this.gate.resolve();
  }
  /** Called by the held step; resolves on release, or (when given) as soon as `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    this.arrived.resolve();
    signal?.addEventListener("abort", () => this.gate.resolve(), { once: true });
    if (signal?.aborted) this.gate.resolve();
    return this.gate.promise;
  }
}

export class FakeEvents implements FileEventSource {
  watched = new Set<string>();
  closed = false;
  private listener: (path: string) => void = () => {};
  private held: HoldPoint | undefined;

  subscribe(listener: (path: string) => void): void {
    this.listener = listener;
  }

  async setWatched(paths: ReadonlySet<string>): Promise<void> {
    const held = this.held;
    this.held = undefined;
    await held?.wait();
    this.watched = new Set(paths);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A change on disk: reported only for a watched file (or one matching a watched pattern), as the chokidar source does. */
  change(path: string): void {
    if (!this.closed && watchFilter(this.watched).reports(path)) this.listener(path);
  }

  /** Holds the next `setWatched`. */
  holdNext(): Hold {
    return (this.held = new HoldPoint());
  }
}

/** Loads a config named by a string; builds report `summary` and depend on `watched`. */
export class FakeBuilder implements Builder<string> {
  config = "v1";
  /** Set: the project does not load, with these errors. */
  invalid: Diagnostic[] | undefined;
  /** Set: the build is refused (a DpoError) or crashes (any other error). */
  refuse: Error | undefined;
  summary: BuildSummary = { ran: ["a"], failed: [], blocked: [], memoMisses: 1 };
  diagnostics: Diagnostic[] = [];
  watched: Set<string> = new Set(["dpo.config.yaml"]);
  /** Every call, in order: `load`, or `build <config>`. */
  readonly calls: string[] = [];
  /** The signal of every build, in order. */
  readonly signals: AbortSignal[] = [];
  private held: { load?: HoldPoint; build?: HoldPoint } = {};

  async load(): Promise<Loaded<string>> {
    this.calls.push("load");
    const held = this.take("load");
    await held?.wait(); // loading a project is not cancellable
    return this.invalid ? { ok: false, diagnostics: this.invalid } : { ok: true, config: this.config };
  }

  async build(config: string, signal: AbortSignal): Promise<Built> {
    this.calls.push(`build ${config}`);
    this.signals.push(signal);
    const held = this.take("build");
    await held?.wait(signal); // a real build ends soon after its signal aborts
    if (this.refuse) throw this.refuse;
    return { interrupted: signal.aborted, summary: this.summary, diagnostics: this.diagnostics, watched: new Set(this.watched) };
  }

  /** Holds the next call to `load` or `build`. */
  holdNext(step: "load" | "build"): Hold {
    return (this.held[step] = new HoldPoint());
  }

  private take(step: "load" | "build"): HoldPoint | undefined {
    const held = this.held[step];
    this.held[step] = undefined;
    return held;
  }
}

export class RecordingOutput implements WatchOutput {
  /** Lines and diagnostics in print order: `watch: …` lines, `error: <message>` for diagnostics, `internal: …`. */
  readonly printed: string[] = [];
  say(line: string): void {
    this.printed.push(`watch: ${line}`);
  }
  diagnostics(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.printed.push(`${d.severity}: ${d.message}`);
  }
  internalError(error: unknown): void {
    this.printed.push(`internal: ${(error as Error).message}`);
  }
  /** The `watch: …` lines only. */
  get lines(): string[] {
    return this.printed.filter((l) => l.startsWith("watch: "));
  }
}

export const refused = (message: string) => new DpoError({ severity: "error", message });
