/**
 * The lines watch mode prints, each with one fixed shape (see the header of
 * src/cli/watch.ts; test/e2e/watch.test.ts parses them). The `watch: ` prefix
 * is added by whoever writes them out.
 */

/** What one build did, by stage name: enough for its line, independent of the executor's outcome type. */
export interface BuildSummary {
  ran: readonly string[];
  failed: readonly string[];
  blocked: readonly string[];
  /** Memo entries the stages that ran had to compute. */
  memoMisses: number;
}

/** `changed a, b → ran judge, pairs · 6 memo misses · failed x · blocked y · 0.2s` */
export function rebuildLine(changed: readonly string[], s: BuildSummary, ms: number): string {
  return (
    `${changed.length ? `changed ${changed.join(", ")}` : "initial build"} → ` +
    (s.ran.length ? `ran ${s.ran.join(", ")}` : "nothing to re-run") +
    ` · ${s.memoMisses} memo misses` +
    (s.failed.length ? ` · failed ${s.failed.join(", ")}` : "") +
    (s.blocked.length ? ` · blocked ${s.blocked.join(", ")}` : "") +
    ` · ${(ms / 1000).toFixed(1)}s`
  );
}

/** The project did not load: name what changed (the config itself for the initial build). */
export function failedLine(changed: readonly string[], configFile: string): string {
  return `${changed.join(", ") || configFile} has errors; keeping the last good outputs, waiting for the next change`;
}

export const watchingLine = (files: number) => `watching ${files} files; Ctrl-C to stop`;
