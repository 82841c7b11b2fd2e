/**
 * What dpo stores in a Bazel HTTP cache's action cache (`/ac/<key>`): small
 * canonical JSON documents that say what they are, so other tools can read
 * them. (Objects go to `/cas/<sha256>` as their bytes.)
 *
 * - A stage result, at the stage key: `{"format":"dpo.stage-result/1","key",
 *   "manifest","stage"}`; the manifest and every object it names are in the CAS.
 * - A memo entry, at the memo key: `{"format":"dpo.memo-entry/1","key",
 *   "value","valueSha256"}`, the value inline (one request per entry) and
 *   checked against `valueSha256`, the sha256 of its canonical JSON.
 *
 * Reading checks the format, that the entry is for the key asked for, and the
 * digest: anything else is a corrupt entry, never a value.
 */
import { canonicalJson, sha256, type Digest } from "../hash.js";
import { isDigest, isObject, isString } from "../shape.js";

export const STAGE_RESULT_FORMAT = "dpo.stage-result/1";
export const MEMO_ENTRY_FORMAT = "dpo.memo-entry/1";

export function stageResultEntry(key: Digest, stage: string, manifest: Digest): string {
  return canonicalJson({ format: STAGE_RESULT_FORMAT, key, manifest, stage });
}

/** The manifest digest of a stage-result entry for `key`, or undefined when it is not one. */
export function readStageResult(bytes: Buffer, key: Digest): Digest | undefined {
  const v = parse(bytes);
  return isObject(v) && v.format === STAGE_RESULT_FORMAT && v.key === key && isString(v.stage) && isDigest(v.manifest) ? v.manifest : undefined;
}

export function memoEntry(key: Digest, value: unknown): string {
  const json = canonicalJson(value);
  // Spliced rather than re-encoded: the value is encoded once.
  return `{"format":${JSON.stringify(MEMO_ENTRY_FORMAT)},"key":${JSON.stringify(key)},"value":${json},"valueSha256":"${sha256(json)}"}`;
}

/** The value of a memo entry for `key`, or undefined when it is not one or its value does not match its digest. */
export function readMemoEntry(bytes: Buffer, key: Digest): { value: unknown } | undefined {
  const v = parse(bytes);
  if (!isObject(v) || v.format !== MEMO_ENTRY_FORMAT || v.key !== key || !("value" in v) || !isDigest(v.valueSha256)) return undefined;
  if (sha256(canonicalJson(v.value)) !== v.valueSha256) return undefined;
  return { value: v.value };
}

function parse(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}
