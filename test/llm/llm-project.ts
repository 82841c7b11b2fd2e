/**
 * An in-process project with real LLM stages against the local test server:
 * the built-in plugins and providers, an in-memory memo that outlives
 * `clean()` (as `dpo clean` keeps cache/memo), the recording reporter, and
 * the dpo.lock each build wrote — or, for `dpo verify`, would have written.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build, type BuildMode } from "../../src/engine/build.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { nextLock } from "../../src/engine/executor/lock-entries.js";
import { serialiseLock } from "../../src/engine/lock.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import { projectPaths } from "../../src/engine/paths.js";
import { createRegistry } from "../../src/engine/registry.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { builtinProviders } from "../../src/providers/index.js";
import { recordingReporter, type HarnessBuild } from "../support/harness.js";

const registry = createRegistry(builtinPlugins, builtinProviders);

export interface LlmBuild extends HarnessBuild {
  /** dpo.lock as this build left it; under `verify`, the lock its outcomes describe. */
  lock: string;
}

export class LlmProject {
  readonly dir = mkdtempSync(join(tmpdir(), "dpo-llm-"));
  readonly memo: MemoStore = memoryMemo();

  constructor(files: Record<string, string>) {
    for (const [rel, content] of Object.entries(files)) this.write(rel, content);
  }

  write(rel: string, content: string): void {
    const path = join(this.dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }

  async build(mode: BuildMode = "build"): Promise<LlmBuild> {
    const loaded = await loadConfig({ root: this.dir, registry, env: {} });
    if (!loaded.ok) throw new DpoError(loaded.error, 2);
    const { reporter, warnings, infos } = recordingReporter();
    const result = await build(loaded.value, { targets: [], mode, jobs: 1, wait: false, memo: this.memo, reporter, signal: new AbortController().signal });
    const stage = Object.fromEntries(result.outcomes.map((x) => [x.stage, x]));
    const lock = mode === "verify" ? serialiseLock(nextLock({ version: 1, stages: {} }, result.outcomes, true)) : readFileSync(projectPaths(this.dir).lockFile, "utf8");
    return { ...result, stage, warnings, infos, lock };
  }

  /** `dpo clean`: the derived state and out/ go, the memo stays. */
  clean(): void {
    const paths = projectPaths(this.dir);
    for (const path of [...paths.derived, paths.outDir]) rmSync(path, { recursive: true, force: true });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
