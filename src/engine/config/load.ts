/**
 * Reads `dpo.config.yaml` into a checked ProjectConfig: YAML syntax, `${VAR}`
 * interpolation, the top-level schema, every provider and every stage's `with`
 * against its own schema, file and provider references, `needs` and cycles.
 * All problems of a run are reported together, each at its line and column.
 */
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import type { Diagnostic } from "../diagnostic.js";
import { CONFIG_FILE } from "../paths.js";
import type { Plugin } from "../plugin.js";
import { createRedactor, redactDiagnostic, redactValue } from "../redact.js";
import type { Registry } from "../registry.js";
import { err, ok, type Result } from "../result.js";
import { validate } from "../schema.js";
import { topoOrder } from "./graph.js";
import { interpolateSource, type Env, type Interpolated } from "./interpolate.js";
import { remoteCacheSecrets, remoteCacheSettings, type RemoteCacheEntry, type RemoteCacheSettings } from "../remote/settings.js";
import { collectLocations } from "./locations.js";
import { checkCycles, checkInputs, checkNeeds } from "./needs.js";
import type { ProjectConfig, StageConfig } from "./project-config.js";
import { checkProviders } from "./providers.js";
import { error, isObj, posix, type LoadContext, type Obj } from "./ref-checks.js";
import { splitPointer } from "./pointer.js";
import { configSchema } from "./schema.js";
import { checkOutCollisions } from "./stage-checks.js";
import { interpolatedSecrets } from "./secret-vars.js";
import { checkStage } from "./stages.js";
import { parseYamlFile, schemaErrors, type YamlSource } from "./yaml-source.js";

export type { PluginRef, ProjectConfig, ProviderConfig, ProviderTypeRef, StageConfig } from "./project-config.js";

export interface LoadOptions {
  root: string;
  /** Default `dpo.config.yaml`, relative to root. */
  file?: string;
  registry: Registry;
  env?: Env;
}

export async function loadConfig(opts: LoadOptions): Promise<Result<ProjectConfig, Diagnostic[]>> {
  const root = resolve(opts.root);
  const file = posix(relative(root, resolve(root, opts.file ?? CONFIG_FILE)));
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(root, file));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return err([
      error(missing ? `config file \`${file}\` not found in ${root}` : `cannot read config file \`${file}\`: ${(e as Error).message}`, undefined, {
        ...(missing ? { hint: "run dpo in the project directory (or pass -C <dir>), or start one with `dpo init`" } : {}),
      }),
    ]);
  }
  const parsed = parseYamlFile(bytes, file);
  if (!parsed.ok) return err(parsed.error);
  return new Loader(root, parsed.value, opts.registry, opts.env ?? process.env).load();
}

/** One load: accumulates diagnostics while its parts check the config. */
class Loader implements LoadContext {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly secrets = new Set<string>();
  /** Scalars whose `${VAR}` failed: they keep their raw text, so schema errors there are noise. */
  private readonly failedScalars = new Set<string>();

  constructor(
    readonly root: string,
    readonly src: YamlSource,
    readonly registry: Registry,
    readonly env: Env,
  ) {}

  async load(): Promise<Result<ProjectConfig, Diagnostic[]>> {
    const env = this.env;
    const interpolated = interpolateSource(this.src, env);
    this.diagnostics.push(...interpolated.errors);
    for (const d of interpolated.errors) this.failedScalars.add(spot(d));
    const doc = isObj(interpolated.value) ? interpolated.value : {};
    const top = validate(configSchema, interpolated.value);
    this.report(schemaErrors(top.errors, this.src, { schema: configSchema, value: interpolated.value }));

    const providers = await checkProviders(this, isObj(doc.providers) ? doc.providers : {});
    const stageEntries = Object.entries(isObj(doc.stages) ? doc.stages : {}).filter(([, s]) => isObj(s)) as [string, Obj][];
    const stages: Record<string, StageConfig> = {};
    const plugins = new Map<string, Plugin>();
    const outPaths = new Map<string, string[]>();
    for (const [name, s] of stageEntries) {
      const checked = await checkStage(this, name, s, providers);
      stages[name] = checked.stage;
      if (checked.plugin) plugins.set(name, checked.plugin);
      if (checked.outPaths?.length) outPaths.set(name, checked.outPaths);
    }
    checkOutCollisions(this, stages, outPaths);
    checkNeeds(this, stages);
    checkCycles(this, stages);
    checkInputs(this, stages, plugins);

    const remoteCache = this.remoteCache(doc.remoteCache, doc.project, interpolated.interpolated);
    // Values of secret variables are secrets wherever they went, and no load error may show them.
    this.keepSecrets(interpolatedSecrets(interpolated.interpolated, this.secrets, env));
    const redact = createRedactor([...this.secrets]);
    if (this.diagnostics.length > 0) return err(this.sorted().map((d) => redactDiagnostic(d, redact)));
    // A secret variable's value in a field that is not secret (`baseUrl: https://host/${TOKEN}/v1`) stays out of keys too.
    for (const p of Object.values(providers)) p.identity = redactValue(p.identity, redact);
    for (const st of Object.values(stages)) st.keyed = redactValue(st.keyed, redact);
    return ok({
      root: this.root,
      file: this.src.file,
      source: this.src.text,
      version: doc.version as number,
      project: doc.project as string,
      seed: doc.seed as number,
      providers,
      stages,
      order: topoOrder(stages),
      ...(remoteCache ? { remoteCache } : {}),
      secrets: [...this.secrets].sort(),
      locations: collectLocations(this.src),
    });
  }

  /** `remoteCache:` (already checked by the top-level schema) as settings; its credentials become secrets. */
  private remoteCache(entry: unknown, project: unknown, interpolated: Interpolated[]): RemoteCacheSettings | undefined {
    if (!isObj(entry) || typeof entry.url !== "string" || !URL.canParse(entry.url)) return undefined;
    const typed = entry as unknown as RemoteCacheEntry;
    // A header that takes a variable's value is a secret, whatever its name.
    const fromVars = new Set(interpolated.map((i) => splitPointer(i.pointer)).filter((p) => p[0] === "remoteCache" && p[1] === "headers").map((p) => p[2]!));
    this.keepSecrets(remoteCacheSecrets(typed, fromVars));
    return remoteCacheSettings(typed, typeof project === "string" ? project : "dpo");
  }

  report(ds: Diagnostic[]): void {
    this.diagnostics.push(...ds.filter((d) => !this.failedScalars.has(spot(d))));
  }

  keepSecrets(secrets: string[]): void {
    for (const s of secrets) this.secrets.add(s);
  }

  private sorted(): Diagnostic[] {
    const pos = (d: Diagnostic) => [d.location?.line ?? 0, d.location?.column ?? 0];
    return [...this.diagnostics].sort((a, b) => pos(a)[0]! - pos(b)[0]! || pos(a)[1]! - pos(b)[1]!);
  }
}

function spot(d: Diagnostic): string {
  return `${d.location?.line}:${d.location?.column}`;
}
