import { createHash, hash } from "node:crypto";
import { createReadStream } from "node:fs";

/** A sha256 hex digest of some content. Branded so it is not mixed up with other strings. */
export type Digest = string & { readonly __brand: "Digest" };

/**
 * Canonical JSON: object keys sorted (UTF-16 order), no whitespace, exactly
 * the bytes json-stable-stringify produces (a test holds the two equal). The
 * basis of every key and artifact. Written here because loading that package's
 * dependency chain cost about a fifth of a no-op build's start-up.
 */
export function canonicalJson(value: unknown): string {
  const s = canonical(value);
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

function canonical(value: unknown, depth = 0): string | undefined {
  if (value instanceof Encoded) return value.json;
  const v = value !== null && typeof (value as { toJSON?: unknown })?.toJSON === "function" ? (value as { toJSON(): unknown }).toJSON() : value;
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (depth >= MAX_CANONICAL_DEPTH) throw new TypeError(`value nested deeper than ${MAX_CANONICAL_DEPTH} levels cannot be hashed`);
  if (Array.isArray(v)) return "[" + v.map((x) => canonical(x, depth + 1) ?? "null").join(",") + "]";
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
