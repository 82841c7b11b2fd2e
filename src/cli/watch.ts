/**
 * `dpo build --watch`: rebuilds what a change affects. The state machine is
 * ./watch/machine.ts (its diagram is there), run by ./watch/driver.ts; this
 * file wires them to the real world: chokidar, the system clock, the project
 * builder, stdout/stderr, and Ctrl-C.
 *
 * Watches exactly what the graph references: the config file, every file a
 * stage's `with` names, project-local plugin files and files stages read on
 * their own — nothing else; a referenced file that is deleted and created
 * again is still watched. A config that fails to load prints its located
 * errors and keeps the last good outputs; the next save tries again. A change
 * during a build (also while the project is still loading) cancels it and
 * starts again; finished items stay memoised.
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
 *
 * While watching, this is the only owner of SIGINT/SIGTERM (the session it
 * runs gets a signal and so leaves them alone): the first stops watching,
 * cancelling a build in flight; a second quits at once.
 */
import { systemClock } from "../engine/async/clock.js";
import { CONFIG_FILE } from "../engine/paths.js";
import { loadProject } from "./load-project.js";
import { printDiagnostics } from "./print.js";
import type { SessionOptions } from "./session.js";
import { ChokidarEvents } from "./watch/chokidar-events.js";
import { WatchDriver } from "./watch/driver.js";
import { projectBuilder } from "./watch/project-builder.js";

const DEBOUNCE_MS = 150;

export async function watch(root: string, options: Omit<SessionOptions, "signal">): Promise<number> {
  const driver = new WatchDriver({
    clock: systemClock,
    events: new ChokidarEvents(root),
    builder: projectBuilder(options, () => loadProject(root)),
    out: {
      say: (line) => process.stdout.write(`watch: ${line}\n`),
      diagnostics: (d) => printDiagnostics([...d], root),
      // Never let one bad build end the watch: say what happened and wait for the next change.
      internalError: (e) => process.stderr.write(`dpo: internal error during the rebuild: ${(e as Error)?.stack ?? String(e)}\n`),
    },
    configFile: CONFIG_FILE,
    debounceMs: DEBOUNCE_MS,
  });
  let signals = 0;
  const onSignal = () => (++signals === 1 ? driver.stop() : process.exit(130));
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  try {
    await driver.start();
    await driver.stopped;
    return 0;
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}
