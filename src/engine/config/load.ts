/**
 * Reads `dpo.config.yaml` into a checked ProjectConfig: YAML syntax, `${VAR}`
 * interpolation, the top-level schema, every provider and every stage's `with`
 * against its own schema, file and provider references, `needs` and cycles.
 * All problems of a run are reported together, each at its line and column.
 */
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { didYouMean, type Diagnostic, type Location } from "../diagnostic.js";
import type { Plugin } from "../plugin.js";
import type { ProviderType } from "../provider.js";
import { isLocalPlugin, type Registry } from "../registry.js";
import { err, ok, type Result } from "../result.js";
import { validate, type Ref } from "../schema.js";
import { findCycles, topoOrder } from "./graph.js";
import { interpolateSource, type Env } from "./interpolate.js";
import { configSchema } from "./schema.js";
import { dottedPath, joinPointer, parseYaml, schemaErrors, splitPointer, type YamlSource } from "./yaml-source.js";

/** A plugin known by name and version; its module is imported only when the stage runs. */
export interface PluginRef {
  name: string;
  version: string;
  load(): Promise<Plugin>;
}

/** A provider type known by name and version; its module is imported on first use. */
export interface ProviderTypeRef {
  version: string;
  load(): Promise<ProviderType>;
}

export interface StageConfig {
  name: string;
  uses: string;
  plugin: PluginRef;
  /** Absolute path of a project-local plugin. */
  pluginFile?: string;
  needs: string[];
  /** Interpolated, validated, defaults filled. */
  with: Record<string, unknown>;
  /** Project-relative posix paths of every `dpo: "file"` ref, sorted, unique. */
  files: string[];
  /** Names from `dpo: "provider"` refs, sorted, unique. */
  providers: string[];
  /** The stage's key in the config. */
  location: Location;
}

export interface ProviderConfig {
  name: string;
  type: string;
  providerType: ProviderTypeRef;
  /** Validated, with secrets. */
  config: Record<string, unknown>;
  /** What the provider's output depends on: `{type, version, config}` without secret and tuning fields. */
  identity: Record<string, unknown>;
}

export interface ProjectConfig {
  root: string;
  /** Project-relative path of the config file. */
  file: string;
  /** The config file's text. */
  source: string;
  version: number;
  project: string;
  seed: number;
  providers: Record<string, ProviderConfig>;
  stages: Record<string, StageConfig>;
  /** Topological; ties in config order. */
  order: string[];
  /** Non-empty values of secret fields, for redaction. */
  secrets: string[];
}

export interface LoadOptions {
  root: string;
  /** Default `dpo.config.yaml`, relative to root. */
  file?: string;
  registry: Registry;
  env?: Env;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const error = (message: string, location?: Location, extra: Partial<Diagnostic> = {}): Diagnostic => ({
  severity: "error",
  message,
  ...(location ? { location } : {}),
  ...extra,
});

export async function loadConfig(opts: LoadOptions): Promise<Result<ProjectConfig, Diagnostic[]>> {
  const root = resolve(opts.root);
  const file = posix(relative(root, resolve(root, opts.file ?? "dpo.config.yaml")));
  let text: string;
  try {
    text = await readFile(resolve(root, file), "utf8");
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return err([
      error(missing ? `config file \`${file}\` not found in ${root}` : `cannot read config file \`${file}\`: ${(e as Error).message}`, undefined, {
        ...(missing ? { hint: "run dpo in the project directory (or pass -C <dir>), or start one with `dpo init`" } : {}),
      }),
    ]);
  }
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return err(parsed.error);
  return new Loader(root, parsed.value, opts.registry).load(opts.env ?? process.env);
}

/** One load: accumulates diagnostics while it checks each part. */
class Loader {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly secrets = new Set<string>();
  /** Scalars whose `${VAR}` failed: they keep their raw text, so schema errors there are noise. */
  private readonly failedScalars = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly src: YamlSource,
    private readonly registry: Registry,
  ) {}

  async load(env: Env): Promise<Result<ProjectConfig, Diagnostic[]>> {
    const interpolated = interpolateSource(this.src, env);
    this.diagnostics.push(...interpolated.errors);
    for (const d of interpolated.errors) this.failedScalars.add(spot(d));
    const doc = isObj(interpolated.value) ? interpolated.value : {};
    const top = validate(configSchema, interpolated.value);
    this.report(schemaErrors(top.errors, this.src, { schema: configSchema, value: interpolated.value }));

    const providers = await this.providers(isObj(doc.providers) ? doc.providers : {});
    const stageEntries = Object.entries(isObj(doc.stages) ? doc.stages : {}).filter(([, s]) => isObj(s)) as [string, Obj][];
    const stages: Record<string, StageConfig> = {};
    for (const [name, s] of stageEntries) stages[name] = await this.stage(name, s, providers);
    this.checkNeeds(stages);
    this.checkCycles(stages);

    if (this.diagnostics.length > 0) return err(this.sorted());
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
      secrets: [...this.secrets].sort(),
    });
  }

  private report(ds: Diagnostic[]): void {
    this.diagnostics.push(...ds.filter((d) => !this.failedScalars.has(spot(d))));
  }

  private sorted(): Diagnostic[] {
    const pos = (d: Diagnostic) => [d.location?.line ?? 0, d.location?.column ?? 0];
    return [...this.diagnostics].sort((a, b) => pos(a)[0]! - pos(b)[0]! || pos(a)[1]! - pos(b)[1]!);
  }

  private async providers(entries: Obj): Promise<Record<string, ProviderConfig>> {
    const out: Record<string, ProviderConfig> = {};
    for (const [name, entry] of Object.entries(entries)) {
      if (!isObj(entry) || typeof entry.type !== "string") continue; // reported by the top-level schema
      const pointer = joinPointer("providers", name);
      const { type, ...config } = entry;
      const providerType = await this.registry.providerType(type);
      if (!providerType) {
        const guess = didYouMean(type, this.registry.providerTypes());
        this.report([
          error(`unknown provider type \`${type}\``, this.src.locate(pointer + "/type"), {
            path: `providers.${name}.type`,
            hint: guess ? `did you mean \`${guess}\`?` : `known types: ${this.registry.providerTypes().join(", ") || "none"}`,
          }),
        ]);
        continue;
      }
      const v = validate(providerType.schema, config);
      this.report(schemaErrors(v.errors, this.src, { pointerPrefix: pointer, schema: providerType.schema, value: config }));
      const secretRefs = v.refs.filter((r) => r.kind === "secret");
      this.keepSecrets(secretRefs);
      // Identity = what the provider's replies depend on: no secrets, no tuning knobs.
      const unkeyed = v.refs.filter((r) => r.kind === "secret" || r.kind === "tuning");
      const stripped = withoutPointers(config, unkeyed.map((r) => r.pointer));
      const ref = { version: providerType.version, load: async () => providerType };
      out[name] = { name, type, providerType: ref, config, identity: { type, version: providerType.version, config: stripped } };
    }
    return out;
  }

  private async stage(name: string, s: Obj, providers: Record<string, ProviderConfig>): Promise<StageConfig> {
    const pointer = joinPointer("stages", name);
    const uses = typeof s.uses === "string" ? s.uses : "";
    const stage: StageConfig = {
      name,
      uses,
      plugin: undefined as unknown as PluginRef, // set below; a stage without a plugin only exists in a failed load
      needs: needsOf(s.needs),
      with: isObj(s.with) ? s.with : {},
      files: [],
      providers: [],
      location: this.src.locate(pointer, { key: true }),
    };
    if (!uses) return stage; // reported by the top-level schema
    const loaded = await this.registry.plugin(uses, this.root);
    if (!loaded.ok) {
      const guess = isLocalPlugin(uses) ? undefined : didYouMean(uses, this.registry.pluginNames());
      this.report([error(loaded.error, this.src.locate(pointer + "/uses"), { path: `stages.${name}.uses`, ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}) })]);
      return stage;
    }
    const plugin = loaded.value.plugin;
    stage.plugin = { name: plugin.name, version: plugin.version, load: async () => plugin };
    if (loaded.value.file) stage.pluginFile = loaded.value.file;
    if (s.with !== undefined && !isObj(s.with)) return stage; // reported by the top-level schema

    // Validate even an absent `with`: defaults are filled in and required keys reported.
    const withPointer = pointer + "/with";
    const v = validate(plugin.schema, stage.with);
    this.report(schemaErrors(v.errors, this.src, { pointerPrefix: withPointer, schema: plugin.schema, value: stage.with }));
    this.keepSecrets(v.refs.filter((r) => r.kind === "secret"));
    const files = new Set<string>();
    const used = new Set<string>();
    for (const ref of v.refs) {
      const at = this.src.locate(withPointer + ref.pointer);
      const path = dottedPath(withPointer + ref.pointer, this.src.value);
      if (ref.kind === "file" && typeof ref.value === "string") {
        const problem = await this.fileProblem(ref.value);
        if (problem) this.report([error(problem, at, { path })]);
        else files.add(posix(relative(this.root, resolve(this.root, ref.value))));
      } else if (ref.kind === "provider" && typeof ref.value === "string") {
        if (Object.hasOwn(providers, ref.value) || this.providerDeclared(ref.value)) used.add(ref.value);
        else this.report([this.unknownProvider(ref.value, name, at, path)]);
      }
    }
    stage.files = [...files].sort();
    stage.providers = [...used].sort();
    return stage;
  }

  /** A provider entry that exists but failed its own checks is not "unknown" (it has its own error). */
  private providerDeclared(name: string): boolean {
    const providers = (this.src.value as Obj | null)?.providers;
    return isObj(providers) && Object.hasOwn(providers, name);
  }

  private unknownProvider(name: string, stage: string, at: Location, path: string): Diagnostic {
    const declared = Object.keys(((this.src.value as Obj | null)?.providers as Obj | undefined) ?? {});
    const guess = didYouMean(name, declared);
    return error(`stage \`${stage}\` uses provider \`${name}\`, which is not configured`, at, {
      path,
      hint: guess ? `did you mean \`${guess}\`?` : `declare it under \`providers:\`${declared.length ? ` (configured: ${declared.join(", ")})` : ""}`,
    });
  }

  private async fileProblem(rel: string): Promise<string | undefined> {
    const abs = resolve(this.root, rel);
    const inside = relative(this.root, abs);
    if (isAbsolute(rel) || inside === ".." || inside.startsWith(".." + sep) || isAbsolute(inside)) {
      return `file \`${rel}\` lies outside the project; paths are relative to ${this.root}`;
    }
    const info = await stat(abs).catch(() => undefined);
    if (!info) return `file \`${rel}\` does not exist`;
    if (!info.isFile()) return `\`${rel}\` is not a file`;
    return undefined;
  }

  private keepSecrets(refs: Ref[]): void {
    for (const r of refs) if (typeof r.value === "string" && r.value !== "") this.secrets.add(r.value);
  }

  private checkNeeds(stages: Record<string, StageConfig>): void {
    const names = Object.keys(stages);
    for (const stage of Object.values(stages)) {
      const raw = ((this.src.value as Obj).stages as Obj)[stage.name] as Obj;
      stage.needs.forEach((need, i) => {
        if (Object.hasOwn(stages, need)) return;
        const guess = didYouMean(need, names);
        this.report([
          error(`stage \`${stage.name}\` needs \`${need}\`, which is not a stage`, this.needLocation(stage.name, need, raw), {
            path: `stages.${stage.name}.needs${Array.isArray(raw?.needs) ? `[${i}]` : ""}`,
            hint: guess ? `did you mean \`${guess}\`?` : `stages: ${names.join(", ")}`,
          }),
        ]);
      });
    }
  }

  /** The `needs` entry naming `need` (or the `needs` string itself). */
  private needLocation(stage: string, need: string, raw: Obj | undefined): Location {
    const pointer = joinPointer("stages", stage, "needs");
    const list = raw?.needs;
    const i = Array.isArray(list) ? list.indexOf(need) : -1;
    return this.src.locate(i >= 0 ? pointer + joinPointer(i) : pointer);
  }

  private checkCycles(stages: Record<string, StageConfig>): void {
    for (const group of findCycles(stages)) {
      const members = new Set(group);
      const related = group.flatMap((from) =>
        stages[from]!.needs
          .filter((to) => members.has(to))
          .map((to) => ({ message: `\`${from}\` needs \`${to}\``, location: this.needLocation(from, to, ((this.src.value as Obj).stages as Obj)[from] as Obj) })),
      );
      const list = group.map((n) => `\`${n}\``).join(group.length === 2 ? " and " : ", ");
      this.report([
        error(group.length === 1 ? `stage ${list} needs itself` : `stages ${list} need each other in a cycle`, stages[group[0]!]!.location, {
          path: `stages.${group[0]}`,
          hint: "remove one of these `needs` entries",
          related,
        }),
      ]);
    }
  }
}

function spot(d: Diagnostic): string {
  return `${d.location?.line}:${d.location?.column}`;
}

function needsOf(needs: unknown): string[] {
  const list = typeof needs === "string" ? [needs] : Array.isArray(needs) ? needs.filter((n): n is string => typeof n === "string") : [];
  return [...new Set(list)];
}

function posix(p: string): string {
  return p.split(sep).join("/");
}

/** A deep copy of `value` without the entries at the given JSON pointers. */
function withoutPointers(value: Obj, pointers: string[]): Obj {
  const copy = structuredClone(value);
  for (const p of pointers) {
    const segments = splitPointer(p);
    const last = segments.pop();
    let parent: unknown = copy;
    for (const s of segments) parent = isObj(parent) || Array.isArray(parent) ? (parent as Obj)[s] : undefined;
    if (last === undefined) continue;
    if (Array.isArray(parent)) parent.splice(Number(last), 1, null);
    else if (isObj(parent)) delete parent[last];
  }
  return copy;
}
