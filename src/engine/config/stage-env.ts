/**
 * Environment variables a stage depends on by name: strings (or items of a
 * string list) its schema marks `dpo: "env"`, such as command/run's
 * `env: [EPOCHS, HF_TOKEN]`. Their values come from the same place `${VAR}`
 * reads, the real environment over the project's `.env`, read when the config
 * is loaded, and the plugin gets them as `ctx.env`.
 *
 * A value enters the stage key as a digest, so `EPOCHS=3` after `EPOCHS=2`
 * re-runs the stage — except under a secret-looking name (`*KEY*`, `*TOKEN*`,
 * `*SECRET*`, `*PASSWORD*`), whose value is a secret like a `dpo: "secret"`
 * field's: redacted wherever it would show, never hashed or stored, so
 * rotating a token re-runs nothing.
 */
import { sha256, type Digest } from "../hash.js";
import type { Env } from "./interpolate.js";
import type { NamedRef } from "./refs.js";
import { isSecretName } from "./secret-vars.js";

/** Variable name → its value now, null when unset. */
export type StageEnv = Record<string, string | null>;

/** The values of the variables `refs` name (sorted by name), and the non-empty secret ones among them. */
export function resolveStageEnv(refs: readonly NamedRef[], env: Env): { env: StageEnv; secrets: string[] } {
  const names = [...new Set(refs.map((r) => r.value))].sort();
  const values: StageEnv = Object.fromEntries(names.map((n) => [n, env[n] ?? null]));
  const secrets = names.filter(isSecretName).map((n) => values[n] ?? "").filter((v) => v !== "");
  return { env: values, secrets };
}

/** What the stage key holds of them: a digest of each non-secret value (null when unset); undefined when there is none. */
export function keyedEnv(env: StageEnv | undefined): Record<string, Digest | null> | undefined {
  const keyed = Object.entries(env ?? {}).filter(([name]) => !isSecretName(name));
  if (keyed.length === 0) return undefined;
  return Object.fromEntries(keyed.map(([name, value]) => [name, value === null ? null : sha256(value)]));
}

/**
 * What the compiled config's key holds of them, read from the environment now:
 * a non-secret value itself, and of a secret only unset, empty or `true` — a
 * config holding a secret value is never compiled, so that is all it takes to
 * tell a stale compiled config.
 */
export function compiledEnvKey(names: readonly string[], env: Env): Record<string, string | true | null> {
  const of = (n: string) => {
    const value = env[n];
    return value === undefined ? null : isSecretName(n) && value !== "" ? true : value;
  };
  return Object.fromEntries([...new Set(names)].sort().map((n) => [n, of(n)]));
}

/** `ctx.env`: the values of the variables that are set. */
export function setVariables(env: StageEnv | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).filter((e): e is [string, string] => e[1] !== null));
}
