import { createHash, hash } from "node:crypto";
import { closeSync, createReadStream, openSync, readSync } from "node:fs";

/** A sha256 hex digest of some content. Branded so it is not mixed up with other strings. */
export type Digest = string & { readonly __brand: "Digest" };

/**
 * Canonical JSON: object keys sorted (UTF-16 order), no whitespace, exactly
 * the bytes json-stable-stringify produces (a test holds the two equal). The
 * basis of every key and artifact. Written here because loading that package's
 * dependency chain cost about a fifth of a no-op build's start-up.
 */
export function canonicalJson(value: unknown): string {
  const s = canonicalFast(value) ?? canonical(value);
  if (s === undefined) throw new TypeError("value is not JSON-serialisable");
  return s;
}

/**
 * A value encoded as canonical JSON once, to be hashed as part of many keys
 * (e.g. a candidate spec inside every candidate id). Inside `canonicalJson`
 * it stands for the value itself, byte for byte.
 */
export class Encoded {
  readonly json: string;
  constructor(value: unknown) {
    this.json = canonicalJson(value);
  }
}

/**
 * How deep a value may nest. The encoder recurses, and a stack overflow
 * would surface as a baffling "Maximum call stack size exceeded" wherever a
 * key happened to be computed; this fails with a clear message well before
 * that (V8's default stack holds about 2,500 levels). Sources reject deeper
 * records at their line, so only a plugin's own values can get here.
 */
export const MAX_CANONICAL_DEPTH = 1000;

/** Thrown inside `keySorted` when a value needs the general encoder. */
const GENERAL = Symbol("general");

/**
 * The common case at native speed: plain objects and arrays, re-keyed in
 * sorted order only where they are not already (a record read from an
 * artifact already is), then JSON.stringify — 2.7× faster than `canonical`
 * on judged records (bench/artifact-codecs.mjs). Anything else (Encoded, toJSON, class instances, holes,
 * deep nesting, integer-like keys V8 would reorder) returns undefined here,
 * and `canonical` encodes it.
 */
function canonicalFast(value: unknown): string | undefined {
  try {
    return JSON.stringify(keySorted(value, 0)) as string | undefined;
  } catch (e) {
    if (e === GENERAL) return undefined;
    throw e;
  }
}

/** `value` with every object's keys in sorted order: the same object where it already is. */
function keySorted(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_CANONICAL_DEPTH) throw GENERAL;
  if (Array.isArray(value)) return arraySorted(value, depth);
  const proto = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === "function") throw GENERAL;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = keys[i - 1]! < keys[i]!;
  let changed = !inOrder;
  const values = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const x = v[keys[i]!];
    values[i] = keySorted(x, depth + 1);
    if (values[i] !== x) changed = true;
  }
  if (!changed) return v;
  const order = keys.map((_, i) => i);
  if (!inOrder) order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
  const out: Record<string, unknown> = {};
  for (const i of order) out[keys[i]!] = values[i];
  // Integer-like keys are enumerated in numeric order whatever the insertion order ("9" before "10").
  if (!inOrder && Object.keys(out).some((k, i) => k !== keys[order[i]!])) throw GENERAL;
  return out;
}

function arraySorted(a: unknown[], depth: number): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === undefined && !(i in a)) throw GENERAL; // a hole
    const y = keySorted(x, depth + 1);
    if (y !== x) (out ??= a.slice())[i] = y;
  }
  return out ?? a;
}

function canonical(value: unknown, depth = 0): string | undefined {
  if (value instanceof Encoded) return value.json;
  const v = value !== null && typeof (value as { toJSON?: unknown })?.toJSON === "function" ? (value as { toJSON(): unknown }).toJSON() : value;
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (depth >= MAX_CANONICAL_DEPTH) throw new TypeError(`value nested deeper than ${MAX_CANONICAL_DEPTH} levels cannot be hashed`);
  // Array.from, not map: map skips holes, which must encode as null.
  if (Array.isArray(v)) return "[" + Array.from(v, (x) => canonical(x, depth + 1) ?? "null").join(",") + "]";
  const parts: string[] = [];
  for (const key of Object.keys(v).sort()) {
    const s = canonical((v as Record<string, unknown>)[key], depth + 1);
    if (s !== undefined) parts.push(JSON.stringify(key) + ":" + s);
  }
  return "{" + parts.join(",") + "}";
}

export function sha256(data: string | Uint8Array): Digest {
  // One-shot crypto.hash (Node >= 20.12) skips the Hash object: it runs for every memo key and record id.
  return hash("sha256", data, "hex") as Digest;
}

/** sha256 over the canonical JSON of a value. */
export function digestOf(value: unknown): Digest {
  return sha256(canonicalJson(value));
}

/** A short, stable, content-derived id (first 16 hex of sha256 of the canonical parts). */
export function contentId(...parts: unknown[]): string {
  return digestOf(parts).slice(0, 16);
}

/** Streams a file through sha256 so large inputs are never held in memory. */
export function hashFile(path: string): Promise<Digest> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex") as Digest));
  });
}

/** `hashFile` for synchronous callers (the object store's checks): a megabyte at a time; undefined when the file cannot be read. */
export function hashFileSync(path: string): Digest | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const h = createHash("sha256");
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let n: number; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) h.update(chunk.subarray(0, n));
    return h.digest("hex") as Digest;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
