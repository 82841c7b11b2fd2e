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
import { parse, positiveInt } from "../args.js";

const USAGE = "dpo gc [--keep-days N] [--dry-run] [--no-wait]";

export async function run(argv: string[]): Promise<number> {
  const { values, root } = parse(argv, { "keep-days": { type: "string" }, "dry-run": { type: "boolean" }, "no-wait": { type: "boolean" } }, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}: remove objects dpo.lock does not reference (waits for a running build; --no-wait fails instead)\n`);
    return 0;
  }
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
