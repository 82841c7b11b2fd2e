/**
 * `dpo gc`: removes stored objects and run-cache entries that dpo.lock does not
 * reference (optionally keeping entries built in the last N days). The LLM memo
 * is never collected here: its entries are paid for; `dpo clean --memo` drops it.
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { DpoError } from "../../engine/diagnostic.js";
import type { Digest } from "../../engine/hash.js";
import { lockRequired, readLock } from "../../engine/lock.js";
import { openProject, type Project } from "../../engine/project.js";
import { acquireProjectLock } from "../../engine/project-lock.js";
import { parse, positiveInt, printHelp, type CommandSpec } from "../args.js";

export const SPEC = {
  command: "dpo gc",
  summary: "Remove stored objects and run-cache entries dpo.lock does not reference (the memo is never collected).",
  options: {
    "keep-days": { type: "string", value: "N", description: "also keep run-cache entries built in the last N days" },
    "dry-run": { type: "boolean", description: "say what would be removed; remove nothing" },
    "no-wait": { type: "boolean", description: "fail at once if a build is running (default: wait for it)" },
  },
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  const keepMs = values["keep-days"] === undefined ? 0 : positiveInt(values["keep-days"], "--keep-days", 1) * 86_400_000;
  const project = openProject(root);
  // A running build's fresh objects are not in dpo.lock yet: collect only between builds.
  const held = await acquireProjectLock(project.paths.buildPid, {
    wait: !values["no-wait"],
    onWait: (pid) => process.stderr.write(`another dpo build (pid ${pid}) is running in this project; dpo gc waits for it to finish…\n`),
  });
  if ("heldBy" in held) {
    throw new DpoError({ severity: "error", message: `another dpo build (pid ${held.heldBy}) is running in this project`, hint: "run dpo gc when it has finished, or without --no-wait to wait for it" }, 1);
  }
  try {
    return collect(project, keepMs, !!values["dry-run"]);
  } finally {
    held.release();
  }
}

function collect(project: Project, keepMs: number, dryRun: boolean): number {
  // An unreadable lock must not read as an empty one: that would make every object garbage.
  const { lock, problem } = readLock(project.paths.lockFile);
  if (problem) throw lockRequired(problem, "dpo gc");
  const live = new Set<string>();
  const keepManifest = (digest: Digest) => {
    const { found } = project.index.load(digest);
    live.add(digest);
    if (!found) return;
    live.add(found.manifest.records);
    for (const d of Object.values(found.manifest.published)) live.add(d);
  };
  for (const s of Object.values(lock.stages)) {
    keepManifest(s.manifest);
    // What the lock names directly is kept even if its manifest is unreadable.
    for (const d of [s.output, ...Object.values(s.published ?? {})]) live.add(d);
  }
  // Run-cache entries: keep the recent ones (and what they point at); drop the rest.
  const indexDir = project.paths.indexDir;
  const staleEntries: string[] = [];
  for (const prefix of safeReaddir(indexDir)) {
    for (const key of safeReaddir(join(indexDir, prefix))) {
      const path = join(indexDir, prefix, key);
      const digest = readDigest(path);
      if (digest && (live.has(digest) || Date.now() - statSync(path).mtimeMs < keepMs)) keepManifest(digest);
      else staleEntries.push(path);
    }
  }
  let removed = 0;
  let bytes = 0;
  for (const { digest, size } of project.store.list()) {
    if (live.has(digest)) continue;
    removed++;
    bytes += size;
    if (!dryRun) project.store.remove(digest);
  }
  if (!dryRun) for (const p of staleEntries) rmSync(p, { force: true });
  const verb = dryRun ? "would remove" : "removed";
  process.stdout.write(`${verb} ${removed} objects (${(bytes / 1e6).toFixed(1)} MB) and ${staleEntries.length} run-cache entries; kept ${live.size} objects\n`);
  return 0;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readDigest(path: string): Digest | undefined {
  try {
    return readFileSync(path, "utf8").trim() as Digest;
  } catch {
    return undefined;
  }
}
