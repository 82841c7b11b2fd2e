/**
 * The compiled config: a checked ProjectConfig saved as plain JSON under
 * `cache/`, keyed by everything that could change it — the config text, the
 * values of the environment variables it names (as `${VAR}` or through a
 * `dpo: "env"` mark), what its glob inputs match now, the digests of project-local
 * plugins, and the dpo installation itself. A no-op build then skips YAML
 * parsing and schema compilation (Ninja's trick of not re-reading its
 * manifest), and imports no plugin module at all.
 *
 * A config that holds secrets is never compiled: nothing secret, and nothing
 * derived from a secret, is written under `cache/`.
 */
import { readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { writeFileAtomic } from "../atomic.js";
import { projectPaths } from "../paths.js";
import { projectGlob } from "../project-files.js";
import { DpoError } from "../diagnostic.js";
import { digestOf, sha256, type Digest } from "../hash.js";
import type { Registry } from "../registry.js";
import type { Result } from "../result.js";
import { isArrayOf, isNumber, isObject, isOptional, isRecordOf, isString } from "../shape.js";
import type { Diagnostic } from "../diagnostic.js";
import type { ProjectConfig, ProviderConfig, StageConfig } from "./load.js";
import { compiledEnvKey } from "./stage-env.js";

type Env = Record<string, string | undefined>;

interface CompiledStage extends Omit<StageConfig, "plugin" | "pluginFile"> {
  plugin: { name: string; version: string; provenance?: boolean };
  pluginFile?: string; // project-relative
}

interface CompiledProvider extends Omit<ProviderConfig, "providerType"> {
  version: string;
}

interface Compiled {
  key: Digest;
  config: Omit<ProjectConfig, "stages" | "providers" | "root" | "source" | "secrets"> & {
    stages: Record<string, CompiledStage>;
    providers: Record<string, CompiledProvider>;
  };
}

export interface LoadCompiledOptions {
  root: string;
  registry: Registry;
  env: Env;
  /** Identifies the dpo installation (version and build): a new build invalidates compiled configs. */
  stamp: string;
  /** The full loader, called when the compiled config is missing or stale. */
  load: () => Promise<Result<ProjectConfig, Diagnostic[]>>;
}

export async function loadProjectConfig(o: LoadCompiledOptions): Promise<ProjectConfig> {
  const paths = projectPaths(o.root);
  const path = paths.compiledConfig;
  const source = readSource(o.root);
  const compiled = readCompiled(path);
  if (source !== undefined && compiled && compiled.key === compiledKey(o, source, compiled.config.stages) && filesExist(o.root, compiled)) {
    return revive(compiled, o, source);
  }
  const result = await o.load();
  if (!result.ok) throw new DpoError(result.error, 2);
  const config = result.value;
  if (config.secrets.length === 0) {
    const stages = compileStages(config);
    const entry: Compiled = { key: compiledKey(o, config.source, stages), config: { ...strip(config), stages, providers: compileProviders(config) } };
    writeFileAtomic(path, JSON.stringify(entry));
  }
  return config;
}

function readSource(root: string): string | undefined {
  try {
    return readFileSync(projectPaths(root).configFile, "utf8");
  } catch {
    return undefined; // the full loader reports it
  }
}

/** The compiled config, or undefined when missing, unreadable or of the wrong shape: a pure cache, so it is silently recompiled. */
function readCompiled(path: string): Compiled | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    return isCompiled(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The fields this module reads to check and revive a compiled config, and the ones every ProjectConfig consumer relies on. */
function isCompiled(v: unknown): v is Compiled {
  if (!isObject(v) || !isString(v.key) || !isObject(v.config)) return false;
  const c = v.config;
  return isString(c.file) && isNumber(c.seed) && isArrayOf(c.order, isString) && isRecordOf(c.stages, isCompiledStage) && isRecordOf(c.providers, isCompiledProvider);
}

function isCompiledStage(v: unknown): v is CompiledStage {
  return (
    isObject(v) && isString(v.name) && isString(v.uses) && isObject(v.plugin) && isString(v.plugin.name) && isString(v.plugin.version) &&
    isOptional(v.pluginFile, isString) && isOptional(v.checkedFiles, (f) => isArrayOf(f, isString)) && isArrayOf(v.needs, isString) && isObject(v.with) && isArrayOf(v.files, isString) && isOptional(v.patterns, (p) => isArrayOf(p, isString)) &&
    isArrayOf(v.providers, isString) && isOptional(v.env, (e) => isRecordOf(e, (x) => x === null || isString(x))) && isObject(v.location) && isString(v.location.file)
  );
}

function isCompiledProvider(v: unknown): v is CompiledProvider {
  return isObject(v) && isString(v.name) && isString(v.type) && isString(v.version) && isObject(v.config) && isObject(v.identity);
}

/** Environment variables named in the text (`${NAME`), with their values now. */
function referencedEnv(source: string, env: Env): Record<string, string | null> {
  const names = [...new Set([...source.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))].sort();
  return Object.fromEntries(names.map((n) => [n, env[n] ?? null]));
}

function compiledKey(o: LoadCompiledOptions, source: string, stages: Record<string, CompiledStage>): Digest {
  const localPlugins = Object.values(stages)
    .filter((s) => s.pluginFile)
    .map((s) => [s.pluginFile, fileDigest(join(o.root, s.pluginFile!))]);
  // Files a plugin validated at load time (rubrics): an edit must be checked again, so it recompiles.
  const checked = Object.values(stages).flatMap((s) => (s.checkedFiles ?? []).map((f) => [f, fileDigest(join(o.root, f))]));
  // What each glob pattern matches now: a shard that appears or goes recompiles, so `files` lists it (or not).
  const matched = Object.values(stages).flatMap((s) => (s.patterns ?? []).map((p) => [p, projectGlob(o.root, p)]));
  // Variables a stage names through `dpo: "env"` (not as `${VAR}` in the text): a new value must reach the stage.
  const named = Object.values(stages).flatMap((s) => Object.keys(s.env ?? {}));
  return digestOf({
    stamp: o.stamp,
    source: sha256(source),
    env: referencedEnv(source, o.env),
    localPlugins,
    ...(checked.length ? { checked } : {}),
    ...(matched.length ? { matched } : {}),
    ...(named.length ? { stageEnv: compiledEnvKey(named, o.env) } : {}),
  });
}

function fileDigest(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch {
    return null;
  }
}

function filesExist(root: string, c: Compiled): boolean {
  try {
    for (const s of Object.values(c.config.stages)) for (const f of s.files) statSync(join(root, f));
    return true;
  } catch {
    return false; // let the full loader say where the missing file is referenced
  }
}

function strip(config: ProjectConfig): Omit<ProjectConfig, "stages" | "providers" | "root" | "source" | "secrets"> {
  const { stages: _s, providers: _p, root: _r, source: _src, secrets: _sec, ...rest } = config;
  return rest;
}

function compileStages(config: ProjectConfig): Record<string, CompiledStage> {
  return Object.fromEntries(
    Object.entries(config.stages).map(([name, s]) => {
      const { plugin, pluginFile, ...rest } = s;
      const stage: CompiledStage = { ...rest, plugin: { name: plugin.name, version: plugin.version, ...(plugin.provenance ? { provenance: true } : {}) } };
      if (pluginFile) stage.pluginFile = relative(config.root, pluginFile).split("\\").join("/");
      return [name, stage];
    }),
  );
}

function compileProviders(config: ProjectConfig): Record<string, CompiledProvider> {
  return Object.fromEntries(
    Object.entries(config.providers).map(([name, p]) => {
      const { providerType, ...rest } = p;
      return [name, { ...rest, version: providerType.version }];
    }),
  );
}

function revive(c: Compiled, o: LoadCompiledOptions, source: string): ProjectConfig {
  const stages: Record<string, StageConfig> = {};
  for (const [name, s] of Object.entries(c.config.stages)) {
    const { plugin, pluginFile, ...rest } = s;
    stages[name] = {
      ...rest,
      plugin: { ...plugin, load: () => loadPlugin(o, s.uses) },
      ...(pluginFile ? { pluginFile: join(o.root, pluginFile) } : {}),
    };
  }
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, p] of Object.entries(c.config.providers)) {
    const { version, ...rest } = p;
    providers[name] = { ...rest, providerType: { version, load: () => loadProviderType(o, p.type) } };
  }
  return { ...c.config, root: o.root, source, secrets: [], stages, providers };
}

async function loadPlugin(o: LoadCompiledOptions, uses: string) {
  const r = await o.registry.plugin(uses, o.root);
  if (!r.ok) throw new DpoError({ severity: "error", message: r.error });
  return r.value.plugin;
}

async function loadProviderType(o: LoadCompiledOptions, type: string) {
  const t = await o.registry.providerType(type);
  if (!t) throw new DpoError({ severity: "error", message: `unknown provider type \`${type}\`` });
  return t;
}
