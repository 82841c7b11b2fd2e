/**
 * What happened to one stage in a build: a discriminated union, so a stage
 * that produced output always carries it, and one that did not cannot be
 * mistaken for one that did.
 */
import type { StoredArtifact } from "../artifact.js";
import type { Diagnostic } from "../diagnostic.js";
import type { Fingerprint, StageKey } from "../fingerprint.js";
import type { Digest } from "../hash.js";
import type { StageManifest } from "../stage-index.js";
import { assertNever } from "../assert-never.js";

/** A stage's output as stored: its key, what it was built from, and where it is. */
export interface BuiltOutput {
  key: StageKey;
  fingerprint: Fingerprint;
  manifest: StageManifest;
  manifestDigest: Digest;
  artifact: StoredArtifact;
}

/** Item-memo traffic of one run of a stage. */
export interface MemoCounts {
  hits: number;
  misses: number;
}

export type StageOutcome =
  /** Reused from the run cache: no plugin code ran. */
  | ({ status: "cached"; stage: string; ms: number } & BuiltOutput)
  /** The plugin ran and its output is stored. */
  | ({ status: "ran"; stage: string; ms: number; reasons: string[]; memo: MemoCounts; stats: Record<string, number> } & BuiltOutput)
  /** Dry run: the stage is stale (or follows one that is) and would run. */
  | { status: "would-run"; stage: string; reasons: string[] }
  /** The stage was due to run and failed (or `--frozen` refused to run it). */
  | { status: "failed"; stage: string; ms: number; reasons: string[]; memo: MemoCounts; diagnostics: Diagnostic[] }
  /** A stage it needs did not produce output. */
  | { status: "blocked"; stage: string; by: string[] }
  /** The build was interrupted while it ran. */
  | { status: "cancelled"; stage: string; ms: number; memo: MemoCounts };

export type StageStatus = StageOutcome["status"];

export type Built = Extract<StageOutcome, { status: "cached" | "ran" }>;

export function isBuilt(o: StageOutcome): o is Built {
  return o.status === "cached" || o.status === "ran";
}

export const noMemoTraffic = (): MemoCounts => ({ hits: 0, misses: 0 });

/** Why a stage ran, would run, or did not: one line per reason, for `--explain`, `--dry-run` and `status`. */
export function reasonsOf(o: StageOutcome): string[] {
  switch (o.status) {
    case "cached":
      return [];
    case "cancelled":
      return ["interrupted"];
    case "blocked":
      return o.by.map((n) => `upstream stage "${n}" did not finish`);
    case "ran":
    case "would-run":
    case "failed":
      return o.reasons;
    default:
      return assertNever(o);
  }
}
