/**
 * What kind of build this is. One value instead of a handful of booleans, so
 * every rule that depends on it is one exhaustive switch in this file.
 *
 * - `build`: reuse what is fresh, run what is stale, write dpo.lock.
 * - `offline`: like `build`, but no network request may be sent.
 * - `dry-run`: decide freshness only; run nothing, write nothing.
 * - `frozen`: CI's check: reuse only what dpo.lock names; anything else fails
 *   (a locked stage whose output is missing is rebuilt offline to its locked digest).
 * - `verify`: recompute every stage offline, bypassing stored outputs; leave dpo.lock alone.
 */
import { assertNever } from "../assert-never.js";

export type BuildMode = "build" | "offline" | "dry-run" | "frozen" | "verify";

/** May the stored output of a stage whose key is `key` be reused, given the key dpo.lock has? */
export function mayReuse(mode: BuildMode, key: string, lockedKey: string | undefined): boolean {
  switch (mode) {
    case "build":
    case "offline":
    case "dry-run":
      return true;
    case "frozen":
      return key === lockedKey;
    case "verify":
      return false;
    default:
      return assertNever(mode);
  }
}

/**
 * What happens to a stage that is stale. `reproduce` (--frozen): a stage whose
 * key is the one dpo.lock has, but whose stored output is missing here and on
 * the remote cache (a fresh clone), is rebuilt offline and must give exactly
 * the locked output; any other stale stage fails.
 */
export function staleStagePolicy(mode: BuildMode): "run" | "report" | "reproduce" {
  switch (mode) {
    case "build":
    case "offline":
    case "verify":
      return "run";
    case "dry-run":
      return "report";
    case "frozen":
      return "reproduce";
    default:
      return assertNever(mode);
  }
}

/** Must every network request be refused (LLM calls only from the memo)? */
export function isOffline(mode: BuildMode): boolean {
  switch (mode) {
    case "build":
    case "dry-run":
      return false;
    case "offline":
    case "frozen":
    case "verify":
      return true;
    default:
      return assertNever(mode);
  }
}

/** Is dpo.lock rewritten when the build's stages differ from it? */
export function writesLock(mode: BuildMode): boolean {
  switch (mode) {
    case "build":
    case "offline":
      return true;
    case "dry-run":
    case "frozen":
    case "verify":
      return false;
    default:
      return assertNever(mode);
  }
}

/**
 * May the build be one shard of several (`--shard i/n`)? Not under --frozen,
 * which checks a whole build against dpo.lock, nor for verify, which
 * recomputes whole outputs to compare them.
 */
export function allowsShards(mode: BuildMode): boolean {
  switch (mode) {
    case "build":
    case "offline":
    case "dry-run":
      return true;
    case "frozen":
    case "verify":
      return false;
    default:
      return assertNever(mode);
  }
}

/**
 * How a build of this mode may use a configured remote cache: `--offline`
 * sends nothing and a dry run only looks locally; the checks (`--frozen`,
 * verify) read it (a fresh CI clone needs it) but upload nothing.
 */
export function remoteAccess(mode: BuildMode, configured: "read-write" | "read-only"): "read-write" | "read-only" | "none" {
  switch (mode) {
    case "build":
      return configured;
    case "frozen":
    case "verify":
      return "read-only";
    case "offline":
    case "dry-run":
      return "none";
    default:
      return assertNever(mode);
  }
}
