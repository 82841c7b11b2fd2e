/**
 * command/run: runs an external program — a training script, an eval harness,
 * the example's reward-model probe — once per iteration an export/iterations
 * stage built, smallest first, with `{iteration}` and `{dir}` (that
 * iteration's folder under out/) substituted in its argv and env.
 *
 * What a run depends on: its argv, the project files it names (argv items
 * that are project files, and `inputs`), the iteration's data files and the
 * `env` it lists or sets. The stage key holds the config, `inputs` and the
 * values of the variables `env` lists (the engine reads them: `dpo: env`); the files it
 * reads at run time (scripts named in argv, the iteration's data) are recorded
 * as the stage's reads, so a change to any of them makes it stale. Each
 * iteration's run is memoised under all of it, so building a larger iteration
 * later runs only the new one, not again the training of the smaller.
 *
 * stdout and stderr go to `out/<iteration>/<stage>.log`; a non-zero exit
 * fails the stage with the end of stderr and the log's path. The declared
 * outputs and the log are published (stored, put back when the stage is
 * cached); the metrics file's numbers become tallies `<iteration>.<path>`.
 */
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { sha256 } from "../../engine/hash.js";
import { outFileProblem } from "../../engine/out-path.js";
import { projectPaths } from "../../engine/paths.js";
import { definePlugin, type PluginContext, type Rec } from "../../engine/plugin.js";
import { isReallyWithin, isWithin } from "../../engine/real-path.js";
import { splitCommand, substitute, type Placeholders } from "./argv.js";
import { runChild } from "./child.js";
import { builtIterations, iterationDataFiles } from "./iterations.js";
import { parseMetrics, type Metrics } from "./metrics.js";
import { commandSchema, isSecretEnvName } from "./schema.js";

export interface With {
  command: string | string[];
  inputs: string[];
  outputs: string[];
  metrics?: string;
  /** Names whose values come from dpo's environment (or `.env`), or name → value. */
  env: string[] | Record<string, string | number | boolean>;
}

const NAME = "command/run";
const VERSION = "1";

/** What one iteration's run left: memoised, so an unchanged run is never repeated. */
interface RunResult {
  log: string;
  /** Output path (relative to the iteration folder) → base64 content. */
  outputs: Record<string, string>;
  metrics: Metrics;
}

export default definePlugin<With>({
  name: NAME,
  version: VERSION,
  description:
    "Runs an external command (a training script, an eval harness) once per iteration of an export/iterations stage, " +
    "keyed by its command line, the files it names and reads, the iteration's data and its env; logs to out/<iteration>/<stage>.log, " +
    "publishes its outputs and turns its metrics file into tallies `<iteration>.<metric>`.",
  inputs: { min: 1, max: 1, accepts: ["memberships"] },
  schema: commandSchema,

  async run(ctx) {
    const template = commandArgv(ctx);
    const [upstream] = Object.values(ctx.inputs);
    const iterations = await builtIterations(upstream!.records());
    if (iterations.length === 0) ctx.log.warn(`stage "${upstream!.stage}" built no iteration: nothing to run`);
    const inputs = await inputDigests(ctx);
    const outRel = posix(relative(ctx.root, projectPaths(ctx.root).outDir));
    ctx.progress.total(iterations.length);
    const records: Rec[] = [];
    for (const it of iterations) {
      const p: Placeholders = { iteration: it.name, dir: `${outRel}/${it.name}` };
      const result = await runIteration(ctx, p, template, inputs, upstream!.stage);
      for (const [path, content] of Object.entries(result.outputs)) ctx.publish(`${it.name}/${path}`, Buffer.from(content, "base64"));
      ctx.publish(`${it.name}/${logName(ctx)}`, result.log);
      for (const [metric, value] of Object.entries(result.metrics)) ctx.tally(`${it.name}.${metric}`, value);
      records.push({ id: it.name, iteration: it.name, metrics: result.metrics, log: `${p.dir}/${logName(ctx)}` });
      ctx.progress.tick();
    }
    return records;
  },
});

const logName = (ctx: PluginContext<With>) => `${ctx.stage}.log`;
const posix = (p: string) => p.split("\\").join("/");

/** The argv template: a list as given, a string split shell-like (without a shell). */
function commandArgv(ctx: PluginContext<With>): string[] {
  const c = ctx.with.command;
  if (Array.isArray(c)) return c;
  const split = splitCommand(c);
  if (!split.ok) {
    ctx.fail("/with/command", `cannot split the command: ${split.problem}`, 'give it as a list (`[prog, arg, …]`), or run a shell explicitly: `[sh, -c, "…"]`');
  }
  return split.argv;
}

/** Digests of every file `inputs` names (patterns expanded), read through the context. */
async function inputDigests(ctx: PluginContext<With>): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const pattern of ctx.with.inputs) for (const f of ctx.files(pattern)) digests[f] = sha256(await ctx.readFile(f));
  return digests;
}

async function runIteration(ctx: PluginContext<With>, p: Placeholders, template: string[], inputs: Record<string, string>, exportStage: string): Promise<RunResult> {
  const argv = template.map((a) => substitute(a, p));
  const outputs = outputPaths(ctx);
  const data = await iterationDataFiles(ctx, p.dir, exportStage);
  for (const o of outputs) {
    if (o in data || o === "manifest.json" || o === "README.md") ctx.fail("/with/outputs", `output "${o}" would overwrite a file stage "${exportStage}" publishes in ${p.dir}/`, "name the command's outputs apart from the export's files");
  }
  const env = commandEnv(ctx, p);
  const key = {
    ns: `${NAME}@${VERSION}`,
    argv,
    named: await namedFiles(ctx, argv),
    inputs,
    data,
    // Secret values are not part of what a run computes: they stay out of the key (as out of every stage key).
    env: Object.fromEntries(Object.entries(env).filter(([k]) => !isSecretEnvName(k))),
    outputs,
    metrics: ctx.with.metrics ?? null,
  };
  return ctx.memo(key, async () => {
    ctx.log.info(`${p.iteration}: running ${ctx.redact(argv.join(" "))}`);
    return execute(ctx, p, argv, env, outputs);
  });
}

/**
 * The variables set for the command over dpo's own environment: a listed name
 * takes its value from `ctx.env` (so one from `.env` reaches it too; an unset
 * one is left out), a mapped one its value with the placeholders substituted.
 */
function commandEnv(ctx: PluginContext<With>, p: Placeholders): Record<string, string> {
  const e = ctx.with.env;
  if (Array.isArray(e)) return Object.fromEntries(e.filter((k) => ctx.env[k] !== undefined).map((k) => [k, ctx.env[k]!]));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, substitute(String(v), p)]));
}

/** The declared outputs and the metrics file, relative to the iteration folder, each checked. */
function outputPaths(ctx: PluginContext<With>): string[] {
  const all = [...new Set([...ctx.with.outputs, ...(ctx.with.metrics ? [ctx.with.metrics] : [])])];
  for (const o of all) {
    const problem = outFileProblem(o);
    if (problem) ctx.fail(o === ctx.with.metrics ? "/with/metrics" : `/with/outputs/${ctx.with.outputs.indexOf(o)}`, `output "${o}" is ${problem}`, "outputs are files inside the iteration's folder, e.g. `metrics.json`");
    if (o === logName(ctx)) ctx.fail("/with/outputs", `output "${o}" is the stage's own log file`, "give the output another name");
  }
  return all.sort();
}

/**
 * Project files the argv names (the script it runs, a config it reads), outside
 * out/ and cache/: each read through the context, so editing the script makes
 * the stage stale, and its digest keys the run.
 */
async function namedFiles(ctx: PluginContext<With>, argv: readonly string[]): Promise<Record<string, string>> {
  const paths = projectPaths(ctx.root);
  const named: Record<string, string> = {};
  for (const arg of argv) {
    if (arg === "" || arg.startsWith("-") || isAbsolute(arg)) continue;
    const abs = resolve(ctx.root, arg);
    if (!isReallyWithin(ctx.root, abs) || isWithin(paths.outDir, abs) || isWithin(paths.cacheDir, abs)) continue;
    if (!existsSync(abs) || !statSync(abs).isFile()) continue;
    const rel = posix(relative(ctx.root, abs));
    named[rel] = sha256(await ctx.readFile(rel));
  }
  return named;
}

async function execute(ctx: PluginContext<With>, p: Placeholders, argv: string[], env: Record<string, string>, outputs: string[]): Promise<RunResult> {
  const dirAbs = join(ctx.root, p.dir);
  if (!isReallyWithin(projectPaths(ctx.root).outDir, dirAbs)) ctx.fail("", `refusing to run in ${p.dir}: a symbolic link on the way leads outside out/`);
  // A stale output from an earlier run must not pass for this run's.
  for (const o of outputs) rmSync(join(dirAbs, o), { force: true });
  const log = `${p.dir}/${logName(ctx)}`;
  const child = await runChild({ argv, cwd: ctx.root, env: { ...process.env, ...env }, logFile: join(ctx.root, log), redact: ctx.redact, signal: ctx.signal });
  if (child.code !== 0) {
    const how = child.code === null ? `was killed by ${child.exitSignal}` : `exited with code ${child.code}`;
    const tail = child.stderrTail.trimEnd();
    ctx.fail("/with/command", `${p.iteration}: the command ${how}${tail ? `; the end of its stderr:\n${tail}` : " (nothing on stderr)"}`, `the whole log: ${log}`);
  }
  const written: Record<string, string> = {};
  for (const o of outputs) {
    const file = join(dirAbs, o);
    if (!existsSync(file)) ctx.fail(o === ctx.with.metrics ? "/with/metrics" : "/with/outputs", `${p.iteration}: the command exited 0 but did not write ${p.dir}/${o}`, `the whole log: ${log}`);
    written[o] = readFileSync(file).toString("base64");
  }
  return { log: child.log, outputs: written, metrics: ctx.with.metrics ? metricsOf(ctx, p, written[ctx.with.metrics]!) : {} };
}

function metricsOf(ctx: PluginContext<With>, p: Placeholders, base64: string): Metrics {
  const parsed = parseMetrics(Buffer.from(base64, "base64").toString("utf8"));
  if (!parsed.ok) ctx.fail("/with/metrics", `${p.iteration}: the metrics file ${p.dir}/${ctx.with.metrics} ${parsed.problem}`, "the command must write one JSON object, e.g. {\"eval\": {\"accuracy\": 0.61}}");
  return parsed.metrics;
}
