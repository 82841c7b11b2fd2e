/**
 * The plugin contract. A plugin is a named, versioned step with a JSON Schema
 * for its `with` block and a `run` that turns input artifacts into records.
 * Plugins depend on this file; the engine never depends on a plugin.
 */
import type { Diagnostic, Location } from "./diagnostic.js";
import type { Digest } from "./hash.js";
import type { PublishedContent, PublishedFile } from "./published.js";
import type { Rng } from "./rng.js";
import type { SampleOrder } from "./sample/order.js";

export type { SampleOrder } from "./sample/order.js";

/** A record flowing between stages. `id` is stable and content-derived. */
export interface Rec {
  id: string;
  [field: string]: unknown;
}

/** The output of an upstream stage: records sorted by id, read from the store. */
export interface Artifact {
  readonly stage: string;
  readonly digest: Digest;
  readonly count: number;
  /** The upstream stage's tallies (tokens, cost, counts): what its output cost and holds, as in dpo.lock. */
  readonly tallies: Readonly<Record<string, number>>;
  /**
   * Streams the records in id order, read afresh from the store on every
   * call: a stage needing global knowledge takes two passes (statistics or a
   * compact index first, then the per-record decision) rather than holding
   * its input. There is deliberately no "all records" call.
   */
  records(): AsyncIterable<Rec>;
}

/**
 * JSON Schema for a `with` block. Besides the standard keywords, a property may
 * carry `dpo` to tell the engine what a string means:
 * - `dpo: "file"`: a project-relative file path. Its content digest (not the path's
 *   mtime) goes into the stage key, and watch mode watches it.
 * - `dpo: "provider"`: the name of an entry in the top-level `providers` map. The
 *   provider's identity (its config without secrets) goes into the stage key.
 * - `dpo: "secret"`: never hashed, logged or written (the plugin still gets it in `ctx.with`).
 * - `dpo: "tuning"`: changes how work is done (concurrency, rate limits,
 *   timeouts, retries), not what it produces: kept out of stage keys.
 * - `dpo: "env"` (stage schemas only): the name of an environment variable the
 *   stage depends on (e.g. the items of command/run's `env: [EPOCHS, HF_TOKEN]`).
 *   The engine reads its value where `${VAR}` does (dpo's environment over the
 *   project's `.env`) when the config is loaded, gives it to the plugin in
 *   `ctx.env`, and puts a digest of it into the stage key, so a new value
 *   re-runs the stage and `--explain` names the variable (never the value).
 *   Under a secret-looking name (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`)
 *   the value is a secret instead, as with `dpo: "secret"`: in `ctx.env` and
 *   redacted everywhere, never hashed or stored; changing it re-runs nothing.
 *   A plugin that memoises items on it keys them on the non-secret values alone.
 *   Watch mode sees a change in `.env`, not in its own environment.
 * The same rules hold for provider schemas (except `env`).
 */
export type JsonSchema = Record<string, unknown>;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Only shown with --verbose. */
  debug(message: string): void;
}

export interface Progress {
  /** Sets (or raises) the number of items expected. */
  total(n: number): void;
  /** Marks n items done; `errors` and `tokens` feed the live bar. */
  tick(n?: number, extra?: { errors?: number; tokens?: number }): void;
}

/**
 * Runs CPU-bound work in the shared worker pool (tinypool). `module` is a file
 * URL of an ES module (use `new URL("./task.js", import.meta.url).href`), `fn`
 * one of its exports; `arg` and the result must be structured-cloneable.
 */
export interface WorkerPool {
  run<T>(module: string, fn: string, arg: unknown): Promise<T>;
  readonly size: number;
}

/** A plugin's own config file, read by `ctx.readConfigFile`: its checked value and where each part of it is. */
export interface ConfigFile<T> {
  /** Project-relative posix path. */
  readonly file: string;
  /** Validated against the schema, defaults filled in. */
  readonly value: T;
  /** The location of the node at a JSON pointer (`/criteria/0/id`); `key: true` points at a map entry's key. */
  locate(pointer: string, opts?: { key?: boolean }): Location;
}

export interface PluginContext<With = Record<string, unknown>> {
  /** This stage's name in the config. */
  readonly stage: string;
  /** The validated `with` block, with `${VAR}` interpolated. */
  readonly with: With;
  /**
   * The variables `with` names through `dpo: "env"` that are set, name →
   * value, from dpo's environment over the project's `.env` (secret-looking
   * ones included: never log them unredacted).
   */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute path of the project root; `with` paths are relative to it. */
  readonly root: string;
  /** The project seed. */
  readonly seed: number;
  /**
   * This stage's key: a digest of everything its output depends on (plugin
   * version, `with`, referenced files, upstream artifacts, seed). Record it in
   * manifests as the provenance of what a stage produced.
   */
  readonly key: string;
  /** Upstream artifacts by stage name, in the order of `needs`. */
  readonly inputs: Readonly<Record<string, Artifact>>;
  /** Cancelled on Ctrl-C, SIGTERM or a newer change in watch mode. */
  readonly signal: AbortSignal;
  /** True with --offline, --frozen and under `dpo verify`: no network request may be sent. */
  readonly offline: boolean;
  /**
   * Replaces every secret value of the project's config (secret fields, URL
   * credentials, secret-looking variables) by `***`: for anything a plugin
   * writes that quotes configuration.
   */
  redact(text: string): string;
  /** Every stage of the project → `plugin@version` it runs (provenance for what a stage publishes). */
  readonly stagePlugins: Readonly<Record<string, string>>;
  /**
   * The project's seeded sample order over the records of the root stages
   * (the ones that need nothing: the prompt source). `rank(id)` sorts a root
   * record id into it; `admitted` of `total` root records reach this stage
   * (fewer than all under `dpo build --iteration`). Order by `rank` wherever a
   * later record must not displace an earlier one when more are admitted.
   */
  readonly sample: SampleOrder;

  /**
   * Item-level memoisation shared by all stages and builds. `key` is any JSON
   * value (include a namespace such as "minhash@1"); it is hashed canonically.
   * The value is persisted as soon as `fn` resolves; a thrown error is never stored.
   */
  memo<T>(key: unknown, fn: () => Promise<T>): Promise<T>;
  /** The absolute path of a project-relative path. */
  resolve(relPath: string): string;
  /**
   * The project-relative files a `dpo: "file"` value names: itself when it is
   * a plain path, every match sorted when it is a glob pattern (`data/train-*.jsonl`).
   */
  files(relPathOrPattern: string): string[];
  /**
   * Reads a project file that is not declared in the schema. Its digest is
   * recorded, and a later change to it makes the stage stale.
   */
  readFile(relPath: string): Promise<Buffer>;
  /**
   * Reads a project YAML or JSON file of the plugin's own (e.g. a rubric):
   * tracked like `readFile`, validated against `schema`; a syntax or schema
   * error is thrown as a diagnostic at the file's line and column. `what`
   * names the file in a "does not exist" error (default "file").
   */
  readConfigFile<T>(relPath: string, schema: JsonSchema, what?: string): Promise<ConfigFile<T>>;
  /**
   * Throws an error located in the config, at a JSON pointer relative to this
   * stage's entry: `""` (the stage), `"/needs"`, `"/with/eval"`,
   * `"/with/judges/1"`. A pointer to a defaulted key falls back to its parent.
   */
  fail(pointer: string, message: string, hint?: string): never;
  /** The error `fail` would throw, for plugins that report several problems at once (`throw new DpoError([...])`). */
  diagnostic(pointer: string, message: string, hint?: string): Diagnostic;
  /** A provider instance from the top-level `providers` map (see defineProvider). */
  provider<P = unknown>(name: string): P;
  pool: WorkerPool;
  /** A seeded PRNG: same project seed, stage and labels, same numbers. */
  rng(...labels: unknown[]): Rng;
  progress: Progress;
  log: Logger;
  /**
   * Adds to a named counter of this stage (e.g. "tokens.prompt", "cost.usd",
   * "pairs.disputed"). Counters appear in the build summary and dpo.lock.
   */
  tally(name: string, amount: number): void;
  /**
   * Adds to a per-run statistic that depends on what happened to be cached or
   * retried this time (e.g. "llm.sent", "llm.cached", "llm.retries"). Shown in
   * the summary; never stored, so dpo.lock stays the same however a build ran.
   * Tallies, by contrast, must describe the output alone.
   */
  stat(name: string, amount: number): void;
  /**
   * Publishes a human-facing file under `out/` (e.g. `iter-100/train.jsonl`).
   * It is stored content-addressed at once (so a large file is never held: pass
   * its chunks as an iterable) and re-materialised when the stage is cached;
   * out/ changes only when the stage succeeds.
   */
  publish(relPath: string, content: PublishedContent): PublishedFile;
}

/**
 * The kinds of records built-in stages pass on (docs/records.md): what a
 * plugin declares it takes and produces, so a wrong `needs` is caught when the
 * config is loaded, not when the stage runs.
 */
export type RecordKind = "prompts" | "candidates" | "judged" | "pairs" | "memberships" | "calibration" | "report";

/** What a stage's `needs` must name. Every field is optional; a plugin without `inputs` takes anything. */
export interface InputSpec {
  /** Fewest stages in `needs` (default 0). */
  readonly min?: number;
  /** Most stages in `needs` (default: no limit). */
  readonly max?: number;
  /** Record kinds accepted from each upstream stage (default: any). */
  readonly accepts?: readonly RecordKind[];
}

/**
 * What a plugin's `checkFiles` gets when the config is loaded: the stage's
 * validated `with` and the same file readers as `PluginContext` (paths stay
 * inside the project, reads are tracked, errors located). Nothing else: no
 * inputs, no providers, no memo — a check must not do the stage's work.
 */
export type FileCheckContext<With = Record<string, unknown>> = Pick<
  PluginContext<With>,
  "stage" | "with" | "root" | "resolve" | "files" | "readFile" | "readConfigFile" | "fail" | "diagnostic"
>;

/** What a stage publishes under out/, as far as its `with` says (see `Plugin.publishes`). */
export interface OutDeclaration {
  files?: string[];
  folders?: string[];
}

export type RunResult = AsyncIterable<Rec> | Iterable<Rec> | Promise<Iterable<Rec> | AsyncIterable<Rec>>;

export interface Plugin<With = any> {
  /** `category/name`, e.g. `source/jsonl`. */
  readonly name: string;
  /** Bump when output for the same inputs changes: it is part of every stage key. */
  readonly version: string;
  readonly description: string;
  /** JSON Schema of the `with` block. */
  readonly schema: JsonSchema;
  /** What `needs` must name (see InputSpec). */
  readonly inputs?: InputSpec;
  /**
   * The output names every stage's `plugin@version` (`ctx.stagePlugins`, e.g.
   * in a provenance file): they enter this stage's key, so bumping any stage's
   * plugin re-runs it even when that stage's output is unchanged.
   */
  readonly provenance?: boolean;
  /** The kind of records produced; `"same"`: the kind of its inputs (e.g. dedup). Undeclared: unknown, accepted anywhere. */
  readonly output?: RecordKind | "same";
  /**
   * Checks the files `with` names that can be validated without running the
   * stage (a rubric, say), when the config is loaded: before any stage runs,
   * for `build`, `--dry-run` and `status` alike. Throws a DpoError (e.g.
   * through `ctx.fail` or `readConfigFile`) with located diagnostics. The files
   * it reads key the compiled config, so editing one checks it again.
   */
  checkFiles?(ctx: FileCheckContext<With>): Promise<void>;
  /**
   * The out/ paths a stage publishes, known from `with` alone: `files`
   * (`reports/agreement.json`) and `folders` the stage owns whole
   * (`iter-0100`). The loader rejects a bad path or two stages claiming the
   * same place, naming both; `ctx.publish` and the executor check the paths
   * actually published as well.
   */
  publishes?(options: With): OutDeclaration;
  /** Produces this stage's records. They are sorted by id and stored by the engine. */
  run(ctx: PluginContext<With>): RunResult;
}

export function definePlugin<With = Record<string, unknown>>(plugin: Plugin<With>): Plugin<With> {
  return Object.freeze(plugin);
}
