/**
 * The reproducing inputs shipped with every iteration, as distilabel ships its
 * `pipeline.yaml`: a copy of the project config, every rubric (and offline
 * judge weights file) it references, and `provenance.json` (the plugins'
 * versions and dpo's; not the stage key, which differs between builds that
 * produce the same iteration). The
 * final dpo.lock cannot be among them: it holds the digests of these outputs.
 * Files are read through `ctx.readFile`, so a change to any makes the export
 * stale — except a config that holds secret values itself (not through
 * `${VAR}`): it is not shipped, and not tracked, so rotating a secret re-runs
 * nothing and no secret (nor a digest of it) reaches out/ or the cache.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { CONFIG_FILE } from "../../engine/paths.js";
import type { PluginContext } from "../../engine/plugin.js";

export interface ShippedInputs {
  /** Project-relative path → content, published under `inputs/`. */
  files: Map<string, string>;
  provenance: Record<string, unknown>;
}

/** Keys whose string values in the config name a rubric or a judge's weights file. */
const REFERENCE_KEYS = new Set(["rubric", "weights"]);
/** A literal (not `${VAR}`) value of such a key is replaced in the copy: secrets never reach out/. */
const SECRET_LINE = /^(\s*-?\s*(?:apiKey|api_key|token|secret|password|authorization)\s*:\s*)(?!["']?\$\{)(\S.*)$/gim;

export async function shippedInputs(ctx: PluginContext<unknown>, plugin: string): Promise<ShippedInputs> {
  const files = new Map<string, string>();
  const raw = readUntracked(ctx, CONFIG_FILE);
  const holdsSecrets = raw !== null && ctx.redact(raw) !== raw;
  const config = holdsSecrets ? raw : await readIfPresent(ctx, CONFIG_FILE);
  let stages: Record<string, { uses?: unknown; with?: unknown }> = {};
  if (config !== null) {
    if (!holdsSecrets) files.set(CONFIG_FILE, config.replace(SECRET_LINE, '$1"<redacted>"'));
    stages = ((parse(config) as { stages?: typeof stages } | null)?.stages ?? {}) as typeof stages;
    for (const path of referencedFiles(stages)) {
      const content = await readIfPresent(ctx, path);
      if (content !== null) files.set(path, content);
    }
  }
  // No stage key or input digests: an iteration is the same files whether a full build or `dpo build
  // --iteration` (with fewer prompts admitted, so other digests) made it; dpo.lock has those.
  const provenance = {
    stage: ctx.stage,
    plugin,
    plugins: ctx.stagePlugins,
    dpo: dpoVersion(),
    files: [...files.keys()],
    note:
      "dpo.lock is not shipped: it records the digests of these outputs. Rebuild with `dpo build` from these inputs and the data files they name." +
      (holdsSecrets ? ` ${CONFIG_FILE} is not shipped either: it holds secret values (write them as \${VAR} to ship it).` : ""),
  };
  return { files, provenance };
}

/** The file's text without recording the read (null when absent). */
function readUntracked(ctx: PluginContext<unknown>, path: string): string | null {
  try {
    return readFileSync(ctx.resolve(path), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

async function readIfPresent(ctx: PluginContext<unknown>, path: string): Promise<string | null> {
  try {
    return (await ctx.readFile(path)).toString("utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Every string under a `rubric` or `weights` key of any stage's `with`, sorted, once each. */
export function referencedFiles(stages: Record<string, { with?: unknown }>): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, key: string | null): void => {
    if (typeof v === "string" && key !== null && REFERENCE_KEYS.has(key) && !v.includes("${")) found.add(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const stage of Object.values(stages)) walk(stage?.with, null);
  return [...found].sort();
}

function dpoVersion(): string {
  // dist/plugins/export/provenance.js → the package root.
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
