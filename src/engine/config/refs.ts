/**
 * The one policy for what the `dpo:` marks of a schema mean, applied alike to
 * a stage's `with` block and a provider's config: what enters a key (the value
 * without `secret` and `tuning` entries), which strings must be redacted, and
 * which files and providers the value names.
 *
 * Credentials inside a URL (`http://user:PASS@host`, `?api-key=…`) are
 * secrets wherever the URL sits: the key holds the URL without them, so they
 * never reach `cache/` and rotating them re-runs nothing.
 */
import type { Ref } from "../schema.js";
import { splitPointer } from "./pointer.js";
import { hasUrlCredentials, publicUrl, urlSecrets } from "./url-credentials.js";

type Obj = Record<string, unknown>;

/** A string a `dpo: "file"`, `"provider"` or `"env"` mark picked out, with where it sits in the value. */
export interface NamedRef {
  /** JSON pointer inside the validated value, e.g. `/rubric`. */
  pointer: string;
  value: string;
}

export interface RefPolicy {
  /** What a key may depend on: a deep copy without secret and tuning entries. */
  keyed: Obj;
  /** Non-empty secret values, for redaction. */
  secrets: string[];
  files: NamedRef[];
  providers: NamedRef[];
  /** Names of environment variables whose values the stage depends on (`dpo: "env"`). */
  env: NamedRef[];
}

export function applyRefPolicy(value: Obj, refs: Ref[]): RefPolicy {
  const named = (kind: Ref["kind"]) =>
    refs.filter((r): r is Ref & { value: string } => r.kind === kind && typeof r.value === "string").map(({ pointer, value }) => ({ pointer, value }));
  const unkeyed = refs.filter((r) => r.kind === "secret" || r.kind === "tuning").map((r) => r.pointer);
  const urlCredentials: string[] = [];
  const keyed = withoutUrlCredentials(withoutPointers(value, unkeyed), urlCredentials) as Obj;
  return {
    keyed,
    secrets: [...named("secret").map((r) => r.value), ...urlCredentials].filter((s) => s !== ""),
    files: named("file"),
    providers: named("provider"),
    env: named("env"),
  };
}

/** A deep copy of `value` without the entries at the given JSON pointers (array items become null, so indices stay). */
export function withoutPointers(value: Obj, pointers: string[]): Obj {
  const copy = structuredClone(value);
  for (const p of pointers) {
    const segments = splitPointer(p);
    const last = segments.pop();
    let parent: unknown = copy;
    for (const s of segments) parent = parent !== null && typeof parent === "object" ? (parent as Obj)[s] : undefined;
    if (last === undefined) continue;
    if (Array.isArray(parent)) parent.splice(Number(last), 1, null);
    else if (parent !== null && typeof parent === "object") delete (parent as Obj)[last];
  }
  return copy;
}

/** `value` with every URL string that carries credentials replaced by its public form; the credentials go to `found`. */
function withoutUrlCredentials(value: unknown, found: string[]): unknown {
  if (typeof value === "string") {
    if (!hasUrlCredentials(value)) return value;
    found.push(...urlSecrets(value));
    return publicUrl(value);
  }
  if (Array.isArray(value)) return value.map((v) => withoutUrlCredentials(v, found));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutUrlCredentials(v, found)]));
  }
  return value;
}
