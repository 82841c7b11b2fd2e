/**
 * Field mapping: dotted paths into an input object (`a.b.c`), and the
 * metadata an input record carries along besides its prompt.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** `"*"` keeps every field not used for the prompt; a list keeps exactly those paths. */
export type MetaSpec = "*" | string[];

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a dotted path, or undefined when any step is missing. */
export function getPath(obj: JsonObject, path: string): Json | undefined {
  let here: Json | undefined = obj;
  for (const key of path.split(".")) {
    if (!isObject(here) || !Object.hasOwn(here, key)) return undefined;
    here = here[key];
  }
  return here;
}

/** A copy of `obj` without the value at `path`; parents left empty are removed too. */
export function omitPath(obj: JsonObject, path: string): JsonObject {
  const [head, ...rest] = path.split(".");
  if (!Object.hasOwn(obj, head!)) return obj;
  const { [head!]: inner, ...others } = obj;
  if (rest.length === 0 || !isObject(inner)) return rest.length === 0 ? others : obj;
  const kept = omitPath(inner, rest.join("."));
  return Object.keys(kept).length ? { ...others, [head!]: kept } : others;
}

/**
 * The metadata of an input record. With `"*"`, everything except the fields in
 * `used`; with a list, those paths (keyed by the path as written), missing ones
 * left out.
 */
export function pickMeta(obj: JsonObject, spec: MetaSpec, used: readonly string[]): JsonObject {
  if (spec === "*") return used.reduce(omitPath, obj);
  const meta: JsonObject = {};
  for (const path of spec) {
    const value = getPath(obj, path);
    if (value !== undefined) meta[path] = value;
  }
  return meta;
}
