/**
 * The `with` block of command/run. `env` is a list of variable names
 * (`dpo: env`: the engine reads their values and keys the stage on them) or a
 * map name → value (values in `with`, keyed as config). Either way, variables
 * under secret-looking names (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`,
 * any case) are secrets: the command gets them, but no key, log line or file
 * under cache/ or out/ does.
 */
import { isSecretName } from "../../engine/config/secret-vars.js";
import type { JsonSchema } from "../../engine/plugin.js";

/** The secret-looking names, as a pattern Ajv can use (no flags: each letter in both cases). */
const SECRET_ENV_PATTERN = ["KEY", "TOKEN", "SECRET", "PASSWORD"].map((w) => [...w].map((c) => `[${c}${c.toLowerCase()}]`).join("")).join("|");

/** The engine's policy (src/engine/config/secret-vars.ts), which keeps `dpo: env` secrets out of stage keys: one rule for both forms. */
export function isSecretEnvName(name: string): boolean {
  return isSecretName(name);
}

const ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";

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
        "The environment variables the command depends on. A list of names (`[EPOCHS, HF_TOKEN]`): each is passed to the command " +
        "from dpo's environment or the project's `.env`, and its value enters the key, so `EPOCHS=3` after `EPOCHS=2` runs it again. " +
        "Or a map name → value (`{ EPOCHS: \"${EPOCHS:-1}\", MODE: fast }`) to give defaults or fixed values, with `{iteration}`/`{dir}` substituted; " +
        "its values enter the key as config. The command inherits the rest of dpo's environment, which is not keyed. " +
        "Values under secret-looking names (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`) are secrets in both forms: passed on, never keyed, logged or stored.",
      oneOf: [
        {
          type: "array",
          uniqueItems: true,
          items: { description: "An environment variable's name.", type: "string", pattern: ENV_NAME, dpo: "env" },
        },
        {
          type: "object",
          propertyNames: { pattern: ENV_NAME },
          patternProperties: { [SECRET_ENV_PATTERN]: { ...envValue, dpo: "secret" } },
          additionalProperties: envValue,
        },
      ],
      default: {},
    },
  },
};
