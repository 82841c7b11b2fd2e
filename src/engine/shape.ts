/**
 * Type guards for JSON read back from disk (dpo.lock, the run cache, the
 * file-state table, the compiled config). Each format's owner composes these
 * into one explicit check, so a file of the wrong shape is caught where it is
 * read instead of crashing the code that trusts it.
 *
 * Hand-written rather than a JSON Schema on the shared Ajv instance: that
 * instance fills in defaults and collects `dpo` marks, and compiling a schema
 * costs start-up time on exactly the no-op builds these caches exist to make fast.
 */
import type { Digest } from "./hash.js";

export type Obj = Record<string, unknown>;
export type Guard<T> = (v: unknown) => v is T;

export const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
export const isString = (v: unknown): v is string => typeof v === "string";
export const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
export const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/** A tally as JSON keeps it: a sum that came out NaN or infinite is written as `null`. */
export const isTally = (v: unknown): v is number => v === null || isNumber(v);
export const isDigest = (v: unknown): v is Digest => typeof v === "string" && /^[0-9a-f]{64}$/.test(v);
export const isAnything = (_v: unknown): _v is unknown => true;

export function isRecordOf<T>(v: unknown, item: Guard<T>): v is Record<string, T> {
  return isObject(v) && Object.values(v).every(item);
}

export function isArrayOf<T>(v: unknown, item: Guard<T>): v is T[] {
  return Array.isArray(v) && v.every(item);
}

/** An optional field: absent, or of the given shape. */
export function isOptional<T>(v: unknown, item: Guard<T>): v is T | undefined {
  return v === undefined || item(v);
}
