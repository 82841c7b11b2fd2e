/**
 * A stage's fingerprint is plain data: everything that determines its output.
 * The stage key is the digest of its canonical JSON. Paths are project-relative,
 * so the key is the same in every clone; secrets never enter it.
 */
import { assertNever } from "./assert-never.js";
import { digestOf, type Digest } from "./hash.js";

export type StageKey = Digest & { readonly __stage: "StageKey" };

export interface Fingerprint {
  /** `name@version` of the plugin. */
  plugin: string;
  /** Digest of a project-local plugin file. */
  pluginFile?: Digest;
  /** The resolved `with` block. */
  with: unknown;
  /** Every file the `with` block references → content digest. */
  files: Record<string, Digest>;
  /** Upstream stage → output artifact digest. */
  inputs: Record<string, Digest>;
  /** Provider name → identity (config without secrets). */
  providers: Record<string, unknown>;
  /**
   * Environment variables `with` names (`dpo: "env"`) → digest of the value,
   * null when unset; secret-looking names are left out. Absent when there are none.
   */
  env?: Record<string, Digest | null>;
  seed: number;
  /** `i/n` for a root stage of a sharded build (src/engine/shard.ts): its output is that shard's records only. */
  shard?: string;
  /** Root records admitted of all there are, when the build admits only a prefix of the sample order (absent: all). */
  admission?: { admitted: number; total: number };
  /** Every stage → `plugin@version`, for a plugin whose output names them (`Plugin.provenance`); absent otherwise. */
  stagePlugins?: Record<string, string>;
}

export function stageKey(f: Fingerprint): StageKey {
  return digestOf(f) as StageKey;
}

export type Change =
  | { kind: "new" }
  | { kind: "plugin"; from: string; to: string }
  | { kind: "plugin-file" }
  | { kind: "config"; keys: string[] }
  | { kind: "file"; path: string; change: "added" | "removed" | "changed" }
  | { kind: "input"; stage: string }
  | { kind: "provider"; name: string }
  | { kind: "env"; name: string; change: "set" | "unset" | "changed" }
  | { kind: "seed" }
  | { kind: "admission"; from: string; to: string }
  | { kind: "read"; path: string }
  | { kind: "shard"; from?: string; to?: string }
  | { kind: "stage-plugin"; stage: string; from?: string; to?: string }
  | { kind: "output-missing" };

/** What differs between the fingerprint a stage was last built with and now. */
export function diffFingerprints(before: Fingerprint, now: Fingerprint): Change[] {
  const changes: Change[] = [];
  if (before.plugin !== now.plugin) changes.push({ kind: "plugin", from: before.plugin, to: now.plugin });
  if (before.pluginFile !== now.pluginFile) changes.push({ kind: "plugin-file" });
  const keys = changedKeys(before.with, now.with);
  if (keys.length) changes.push({ kind: "config", keys });
  for (const path of union(before.files, now.files)) {
    const [a, b] = [before.files[path], now.files[path]];
    if (a !== b) changes.push({ kind: "file", path, change: !a ? "added" : !b ? "removed" : "changed" });
  }
  for (const stage of union(before.inputs, now.inputs)) {
    if (before.inputs[stage] !== now.inputs[stage]) changes.push({ kind: "input", stage });
  }
  for (const name of union(before.providers, now.providers)) {
    if (digestOf(before.providers[name] ?? null) !== digestOf(now.providers[name] ?? null)) changes.push({ kind: "provider", name });
  }
  const [envBefore, envNow] = [before.env ?? {}, now.env ?? {}];
  for (const name of union(envBefore, envNow)) {
    // A variable that comes into (or out of) the list is a config change already; only a value change is news here.
    if (!(name in envBefore) || !(name in envNow) || envBefore[name] === envNow[name]) continue;
    changes.push({ kind: "env", name, change: envBefore[name] === null ? "set" : envNow[name] === null ? "unset" : "changed" });
  }
  if (before.seed !== now.seed) changes.push({ kind: "seed" });
  if (before.shard !== now.shard) changes.push({ kind: "shard", from: before.shard, to: now.shard });
  if (digestOf(before.admission ?? null) !== digestOf(now.admission ?? null)) {
    changes.push({ kind: "admission", from: admissionText(before.admission), to: admissionText(now.admission) });
  }
  const [pluginsBefore, pluginsNow] = [before.stagePlugins ?? {}, now.stagePlugins ?? {}];
  for (const stage of union(pluginsBefore, pluginsNow)) {
    if (pluginsBefore[stage] !== pluginsNow[stage]) changes.push({ kind: "stage-plugin", stage, from: pluginsBefore[stage], to: pluginsNow[stage] });
  }
  return changes;
}

export function describeChange(c: Change): string {
  switch (c.kind) {
    case "new": return "never built";
    case "plugin": return `plugin changed (${c.from} → ${c.to})`;
    case "plugin-file": return "project-local plugin file changed";
    case "config": return `config changed: with.${c.keys.join(", with.")}`;
    case "file": return `input file ${c.path} ${c.change}`;
    case "input": return `upstream stage "${c.stage}" output changed`;
    case "provider": return `provider "${c.name}" config changed`;
    case "env": return `environment variable ${c.name} ${c.change === "changed" ? "changed value" : c.change === "set" ? "is now set" : "is no longer set"}`;
    case "seed": return "project seed changed";
    case "admission": return `admitted root records changed (${c.from} → ${c.to})`;
    case "read": return `file ${c.path} (read by the stage) changed`;
    case "shard": return c.to ? `shard ${c.to} of its records${c.from ? ` (was ${c.from})` : ""}` : `all of its records (was shard ${c.from})`;
    case "stage-plugin": return `stage "${c.stage}" runs ${c.to ?? "no plugin"} (was ${c.from ?? "no plugin"}), which this stage's output names`;
    case "output-missing": return "stored output missing or corrupt";
    default: return assertNever(c);
  }
}

function admissionText(a: Fingerprint["admission"]): string {
  return a ? `first ${a.admitted} of ${a.total}` : "all";
}

function union(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

/** Top-level (and one nested level) keys of `with` whose values differ. */
function changedKeys(a: unknown, b: unknown, prefix = "", depth = 0): string[] {
  if (digestOf(a ?? null) === digestOf(b ?? null)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  if (depth > 1 || !isObj(a) || !isObj(b)) return [prefix || "(whole block)"];
  return union(a, b).flatMap((k) => changedKeys(a[k], b[k], prefix ? `${prefix}.${k}` : k, depth + 1));
}
