/**
 * The one policy for what the `dpo:` marks of a schema mean, applied alike to
 * a stage's `with` block and a provider's config: what enters a key (the value
 * without `secret` and `tuning` entries), which strings must be redacted, and
 * which files and providers the value names.
 */
import type { Ref } from "../schema.js";
import { splitPointer } from "./pointer.js";

type Obj = Record<string, unknown>;

/** A string a `dpo: "file"` or `dpo: "provider"` mark picked out, with where it sits in the value. */
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
}

export function applyRefPolicy(value: Obj, refs: Ref[]): RefPolicy {
  const named = (kind: Ref["kind"]) =>
    refs.filter((r): r is Ref & { value: string } => r.kind === kind && typeof r.value === "string").map(({ pointer, value }) => ({ pointer, value }));
  const unkeyed = refs.filter((r) => r.kind === "secret" || r.kind === "tuning").map((r) => r.pointer);
  return {
    keyed: withoutPointers(value, unkeyed),
    secrets: named("secret").map((r) => r.value).filter((s) => s !== ""),
    files: named("file"),
    providers: named("provider"),
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
