/**
 * Which interpolated values are secrets, beyond the values of secret fields:
 * everything a secret-looking variable (`*KEY*`, `*TOKEN*`, `*SECRET*`,
 * `*PASSWORD*`) supplies, and everything a variable supplies that also feeds
 * a secret field. So `${OPENAI_API_KEY}` put by mistake into `headers:`'s
 * neighbour, `baseUrl:` or `maxConcurrency:` is never echoed by an error
 * (`found "sk-…"`), nor kept anywhere a secret may not go.
 */
import type { Env, Interpolated } from "./interpolate.js";

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD/i;

/** Whether a variable's name says it holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The values of secret variables that interpolation used: variables with a
 * secret-looking name, and variables used in a scalar whose value is one of
 * `fieldSecrets` (the values of the fields marked secret).
 */
export function interpolatedSecrets(interpolated: Interpolated[], fieldSecrets: ReadonlySet<string>, env: Env): string[] {
  const secretVars = new Set<string>();
  for (const { value, vars } of interpolated) {
    for (const name of vars) if (isSecretName(name) || fieldSecrets.has(value)) secretVars.add(name);
  }
  const values = [...secretVars].map((name) => env[name] ?? "").filter((v) => v !== "");
  return [...new Set(values)];
}
