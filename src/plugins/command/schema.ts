/**
 * The `with` block of command/run. `env` values under secret-looking names
 * (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, any case) are `dpo: secret`:
 * the command gets them, but no key, log line or file under cache/ or out/ does.
 */
import type { JsonSchema } from "../../engine/plugin.js";

/** The secret-looking names, as a pattern Ajv can use (no flags: each letter in both cases). */
const SECRET_ENV_PATTERN = ["KEY", "TOKEN", "SECRET", "PASSWORD"].map((w) => [...w].map((c) => `[${c}${c.toLowerCase()}]`).join("")).join("|");
const SECRET_ENV = new RegExp(SECRET_ENV_PATTERN);

export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV.test(name);
}

const envValue = { type: ["string", "number", "boolean"] };

export const commandSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["command"],
  properties: {
    command: {
      description:
        "The program and its arguments: a list (`[node, scripts/probe.mjs, \"{dir}\"]`), or a string split like a shell splits words " +
        "(quotes, backslashes) but run without one — no pipes, redirections, variables or globs (for those: `[sh, -c, \"…\"]`). " +
        "`{iteration}` and `{dir}` (the iteration's folder under out/, e.g. out/iter-0100) are substituted. It runs in the project root; " +
        "argv items that are project files (the script) are read, and a change to them re-runs it; a path inside an option (`--data=x.jsonl`) is not seen: list it in `inputs`.",
      oneOf: [
        { type: "string", minLength: 1 },
        { type: "array", minItems: 1, items: { type: "string" } },
      ],
    },
    inputs: {
      description: "Other project files the command reads (modules its script imports, data files), or glob patterns: their digests enter the key.",
      type: "array",
      items: { description: "A project-relative path or glob pattern.", type: "string", minLength: 1, dpo: "file" },
      default: [],
    },
    outputs: {
      description:
        "Files the command writes in the iteration's folder (relative to it, e.g. `probe.json`): checked to exist after a successful run, " +
        "published (stored, and put back when the stage is cached). Keep them small — they are stored in cache/; write checkpoints elsewhere.",
      type: "array",
      uniqueItems: true,
      items: { description: "A path relative to the iteration folder.", type: "string", minLength: 1 },
      default: [],
    },
    metrics: {
      description:
        "A JSON object the command writes in the iteration's folder (relative to it); an output too. Its numbers, nested keys joined with dots, " +
        "become the stage's tallies `<iteration>.<path>` (e.g. `iter-0100.eval.accuracy`) in the summary, dpo.lock and gates.",
      type: "string",
      minLength: 1,
    },
    env: {
      description:
        "Variables set for the command (over dpo's own environment, which it inherits), values with `{iteration}`/`{dir}` substituted; " +
        "use `${VAR}` to pass one through. Their values enter the key, except under secret-looking names (`*KEY*`, `*TOKEN*`, `*SECRET*`, " +
        "`*PASSWORD*`), which are secrets: never keyed, logged or stored.",
      type: "object",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
      patternProperties: { [SECRET_ENV_PATTERN]: { ...envValue, dpo: "secret" } },
      additionalProperties: envValue,
      default: {},
    },
  },
};
