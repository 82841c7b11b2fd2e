/**
 * `dpo build --watch`: rebuilds what a change affects, as an explicit state machine.
 *
 *            change                 quiet for DEBOUNCE_MS
 *   idle ───────────▶ debouncing ─────────────────────────▶ running
 *    ▲                  ▲   │ change: restart timer           │  │
 *    │                  │   ▼                                 │  │ change
 *    │                  └─ (timer) ◀── pending changes ◀──────┘  ▼
 *    └──────────────── no pending changes ◀─────────────── cancelling
 *                                                  (abort in-flight build;
 *                                                   finished items stay memoised)
 *   any state ── Ctrl-C ──▶ stopped (abort the build, close the watcher, exit 0)
 *
 * Watches exactly what the graph references: the config file, every file a
 * stage's `with` names, project-local plugin files and files stages read on
 * their own — nothing else; a referenced file that is deleted and created
 * again is still watched. A config that fails to load prints its located
 * errors and keeps the last good outputs; the next save tries again.
 *
 * Every line it prints starts with `watch:` and has one fixed shape, so people
 * and scripts can follow it:
 *   watch: initial build → ran a, b · 12 memo misses · 0.4s
 *   watch: changed rubrics/r.yaml → ran judge, pairs · 6 memo misses · 0.2s
 *   watch: changed data/x.jsonl → nothing to re-run · 0 memo misses · 0.1s
 *   watch: changed rubrics/r.yaml → nothing to re-run · 0 memo misses · failed judge · blocked pairs · 0.1s
 *   watch: changed dpo.config.yaml during the build; cancelling and restarting
 *   watch: dpo.config.yaml has errors; keeping the last good outputs, waiting for the next change
 *   watch: watching 5 files; Ctrl-C to stop
 *   watch: stopped
 */
import { posix, relative, resolve, sep } from "node:path";
import type { FSWatcher } from "chokidar";
import { DpoError } from "../engine/diagnostic.js";
import type { ProjectConfig } from "../engine/config/load.js";
import type { StageOutcome } from "../engine/build.js";
import { loadProject } from "./load-project.js";
import { printDiagnostics } from "./print.js";
import { reportFailures, runSession, type SessionOptions } from "./session.js";

const DEBOUNCE_MS = 150;
const CONFIG_FILE = "dpo.config.yaml";
const START = "(start)";

type State = "idle" | "debouncing" | "running" | "cancelling" | "stopped";

export async function watch(root: string, options: Omit<SessionOptions, "signal">): Promise<number> {
  const { watch: chokidarWatch } = await import("chokidar");
  let state: State = "idle";
  let timer: NodeJS.Timeout | undefined;
  let controller: AbortController | undefined;
  let watcher: FSWatcher | undefined;
  let watched = new Set<string>();
  let building: Promise<void> = Promise.resolve();
  const pending = new Set<string>();

  const say = (line: string) => process.stdout.write(`watch: ${line}\n`);

  /**
   * Watches exactly `paths`; resolves once the new watcher is ready, so no later change is missed.
   * Chokidar watches the folders that hold them (one level deep), ignoring every other entry:
   * a file watched on its own is lost once deleted, and editors and `git checkout` replace files.
   */
  const setWatched = async (paths: Set<string>) => {
    if (state === "stopped" || sameSet(paths, watched)) return;
    const dirs = new Set([...paths].map((p) => posix.dirname(p)));
    const relevant = (p: string) => {
      const rel = relative(root, resolve(root, p)).split(sep).join("/") || ".";
      return paths.has(rel) || dirs.has(rel);
    };
    const next = chokidarWatch([...dirs], {
      cwd: root,
      depth: 0,
      ignoreInitial: true,
      ignored: (p: string) => !relevant(p),
      awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 },
    });
    next.on("all", (_event, path) => {
      const rel = path.split(sep).join("/");
      if (paths.has(rel)) onChange(rel);
    });
    await new Promise<void>((resolve) => next.once("ready", () => resolve()));
    // The old watcher closes only after the new one is ready: a change in between is seen (maybe twice, which is harmless).
    const old = watcher;
    watcher = next;
    watched = paths;
    await old?.close();
  };

  const onChange = (rel: string) => {
    switch (state) {
      case "idle":
      case "debouncing":
        pending.add(rel);
        state = "debouncing";
        clearTimeout(timer);
        timer = setTimeout(startRebuild, DEBOUNCE_MS);
        break;
      case "running":
        pending.add(rel);
        state = "cancelling";
        say(`changed ${rel} during the build; cancelling and restarting`);
        controller?.abort();
        break;
      case "cancelling":
        pending.add(rel);
        break;
      case "stopped":
        break;
    }
  };

  const startRebuild = () => {
    building = rebuild().catch((e: unknown) => {
      // Never let one bad build end the watch: say what happened and wait for the next change.
      process.stderr.write(`dpo: internal error during the rebuild: ${(e as Error)?.stack ?? String(e)}\n`);
      settle();
    });
  };

  const rebuild = async () => {
    state = "running";
    const changed = [...pending].sort();
    pending.clear();
    controller = new AbortController();
    const started = performance.now();
    let config: ProjectConfig;
    try {
      config = await loadProject(root);
    } catch (e) {
      if (!(e instanceof DpoError)) throw e;
      printDiagnostics(e.diagnostics, root);
      say(`${changed.filter((c) => c !== START).join(", ") || CONFIG_FILE} has errors; keeping the last good outputs, waiting for the next change`);
      return settle();
    }
    try {
      const session = await runSession(config, { ...options, quiet: true, signal: controller.signal });
      await setWatched(watchedPaths(config, session.result.outcomes));
      if (!session.result.interrupted) {
        reportFailures(session, root);
        say(rebuildLine(changed, session.result.outcomes, performance.now() - started));
      }
    } catch (e) {
      if (!(e instanceof DpoError)) throw e;
      printDiagnostics(e.diagnostics, root);
    }
    settle();
  };

  const settle = () => {
    if (state === "stopped") return;
    if (pending.size > 0) {
      state = "debouncing";
      clearTimeout(timer);
      timer = setTimeout(startRebuild, DEBOUNCE_MS);
    } else state = "idle";
  };

  let stopped: () => void = () => {};
  const finished = new Promise<void>((resolve) => (stopped = resolve));
  const stop = async () => {
    state = "stopped";
    clearTimeout(timer);
    controller?.abort();
    await building;
    await watcher?.close();
    say("stopped");
    stopped();
  };
  process.once("SIGINT", stop).once("SIGTERM", stop);

  await setWatched(new Set([CONFIG_FILE]));
  pending.add(START);
  startRebuild();
  await building;
  if ((state as State) !== "stopped") say(`watching ${watched.size} files; Ctrl-C to stop`);
  await finished;
  return 0;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** The config, every file stages reference or read, and project-local plugins. */
function watchedPaths(config: ProjectConfig, outcomes: StageOutcome[]): Set<string> {
  const paths = new Set<string>([config.file]);
  for (const s of Object.values(config.stages)) {
    for (const f of s.files) paths.add(f);
    if (s.pluginFile) paths.add(relative(config.root, s.pluginFile).split("\\").join("/"));
  }
  for (const o of outcomes) if (o.status === "ran" || o.status === "cached") for (const f of Object.keys(o.manifest.reads)) paths.add(f);
  return paths;
}

/** One line per rebuild: what changed, which stages re-ran, how many memo entries they had to compute. */
function rebuildLine(changed: string[], outcomes: StageOutcome[], ms: number): string {
  const ran = outcomes.filter((o): o is Extract<StageOutcome, { status: "ran" }> => o.status === "ran");
  const named = (status: StageOutcome["status"]) => outcomes.filter((o) => o.status === status).map((o) => o.stage);
  const failed = named("failed");
  const blocked = named("blocked");
  const misses = ran.reduce((n, o) => n + o.memo.misses, 0);
  const what = changed.filter((c) => c !== START);
  return (
    `${what.length ? `changed ${what.join(", ")}` : "initial build"} → ` +
    (ran.length ? `ran ${ran.map((o) => o.stage).join(", ")}` : "nothing to re-run") +
    ` · ${misses} memo misses` +
    (failed.length ? ` · failed ${failed.join(", ")}` : "") +
    (blocked.length ? ` · blocked ${blocked.join(", ")}` : "") +
    ` · ${(ms / 1000).toFixed(1)}s`
  );
}
