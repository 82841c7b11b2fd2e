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
 *
 * Watches exactly what the graph references: the config file, every file a
 * stage's `with` names, project-local plugin files and files stages read on
 * their own — nothing else. A config that fails to load prints its located
 * errors and keeps the last good outputs; the next save tries again.
 */
import { relative } from "node:path";
import type { FSWatcher } from "chokidar";
import { DpoError } from "../engine/diagnostic.js";
import type { ProjectConfig } from "../engine/config/load.js";
import type { StageOutcome } from "../engine/build.js";
import { loadProject } from "./load-project.js";
import { printDiagnostics } from "./print.js";
import { reportFailures, runSession, type SessionOptions } from "./session.js";

const DEBOUNCE_MS = 150;
const CONFIG_FILE = "dpo.config.yaml";

type State = "idle" | "debouncing" | "running" | "cancelling";

export async function watch(root: string, options: Omit<SessionOptions, "signal">): Promise<number> {
  const { watch: chokidarWatch } = await import("chokidar");
  let state: State = "idle";
  let timer: NodeJS.Timeout | undefined;
  let controller: AbortController | undefined;
  let watcher: FSWatcher | undefined;
  let watched = new Set<string>();
  const pending = new Set<string>();
  let done: (code: number) => void = () => {};

  const say = (line: string) => process.stdout.write(line + "\n");

  const setWatched = (paths: Set<string>) => {
    const add = [...paths].filter((p) => !watched.has(p));
    const remove = [...watched].filter((p) => !paths.has(p));
    if (!watcher) {
      watcher = chokidarWatch([...paths], { cwd: root, ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 } });
      watcher.on("all", (_event, path) => onChange(path));
    } else {
      if (add.length) watcher.add(add);
      if (remove.length) watcher.unwatch(remove);
    }
    watched = paths;
  };

  const onChange = (path: string) => {
    pending.add(path.split("\\").join("/"));
    switch (state) {
      case "idle":
      case "debouncing":
        state = "debouncing";
        clearTimeout(timer);
        timer = setTimeout(rebuild, DEBOUNCE_MS);
        break;
      case "running":
        state = "cancelling";
        controller?.abort();
        break;
      case "cancelling":
        break;
    }
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
      say(`watch: ${changed.join(", ") || CONFIG_FILE} has errors; keeping the last good outputs, waiting for the next change`);
      return settle();
    }
    try {
      const session = await runSession(config, { ...options, quiet: true, signal: controller.signal });
      setWatched(watchedPaths(config, session.result.outcomes));
      if (session.result.interrupted) say(`watch: ${changed.join(", ")} changed again; restarting`);
      else {
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
    if (pending.size > 0) {
      state = "debouncing";
      timer = setTimeout(rebuild, DEBOUNCE_MS);
    } else state = "idle";
  };

  const stop = () => {
    clearTimeout(timer);
    controller?.abort();
    void watcher?.close().then(() => done(0));
  };
  process.once("SIGINT", stop).once("SIGTERM", stop);

  setWatched(new Set([CONFIG_FILE]));
  pending.add("(start)");
  await rebuild();
  say(`watching ${watched.size} files; Ctrl-C to stop`);
  return new Promise<number>((resolve) => {
    done = resolve;
  });
}

/** The config, every file stages reference or read, and project-local plugins. */
function watchedPaths(config: ProjectConfig, outcomes: StageOutcome[]): Set<string> {
  const paths = new Set<string>([config.file]);
  for (const s of Object.values(config.stages)) {
    for (const f of s.files) paths.add(f);
    if (s.pluginFile) paths.add(relative(config.root, s.pluginFile).split("\\").join("/"));
  }
  for (const o of outcomes) for (const f of Object.keys(o.manifest?.reads ?? {})) paths.add(f);
  return paths;
}

/** One line per rebuild: what changed, which stages re-ran, how many items were recomputed. */
function rebuildLine(changed: string[], outcomes: StageOutcome[], ms: number): string {
  const ran = outcomes.filter((o) => o.status === "ran");
  const failed = outcomes.filter((o) => o.status === "failed" || o.status === "blocked");
  const items = ran.reduce((n, o) => n + o.memoMisses, 0);
  const what = changed.filter((c) => c !== "(start)");
  return (
    `watch: ${what.length ? `changed ${what.join(", ")}` : "initial build"} → ` +
    (ran.length ? `ran ${ran.map((o) => o.stage).join(", ")}` : "nothing to re-run") +
    ` · ${items} items recomputed` +
    (failed.length ? ` · failed ${failed.map((o) => o.stage).join(", ")}` : "") +
    ` · ${(ms / 1000).toFixed(1)}s`
  );
}
