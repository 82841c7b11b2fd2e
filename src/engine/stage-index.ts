/**
 * The run cache: stage key → manifest (DVC's run-cache idea). A manifest names
 * the records artifact, the published files, the tallies, the files the run
 * read on its own, and the fingerprint it was built from (for `--explain`).
 * Manifests are objects in the store; the index maps keys to their digests.
 *
 * Both are checked when read: an index entry that is not a digest, or a
 * manifest of the wrong shape, is a miss (the stage re-runs) with a warning.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import type { Diagnostic } from "./diagnostic.js";
import { canonicalJson, type Digest } from "./hash.js";
import type { Fingerprint, StageKey } from "./fingerprint.js";
import { isCount, isDigest, isNumber, isObject, isTally, isOptional, isRecordOf, isString } from "./shape.js";
import type { ObjectStore } from "./store.js";

export interface StageManifest {
  stage: string;
  records: Digest;
  count: number;
  /** out/-relative path → object digest. */
  published: Record<string, Digest>;
  tallies: Record<string, number>;
  /** Files read through ctx.readFile → digest at the time: a change makes the stage stale. */
  reads: Record<string, Digest>;
  fingerprint: Fingerprint;
}

export interface StoredManifest {
  digest: Digest;
  manifest: StageManifest;
}

/** A run-cache read: `found` on a hit; on a miss, `problem` says why when the entry exists but is unusable. */
export interface IndexRead {
  found?: StoredManifest;
  problem?: Diagnostic;
}

export class StageIndex {
  private readonly dir: string;
  /** Locations in warnings are relative to the folder that holds the cache (the project root). */
  private readonly root: string;
  constructor(paths: { root: string; indexDir: string }, private readonly store: ObjectStore) {
    this.dir = paths.indexDir;
    this.root = paths.root;
  }

  private pathOf(key: StageKey): string {
    return join(this.dir, key.slice(0, 2), key);
  }

  /** The manifest recorded for a key; a miss when never built, its manifest object is gone, or either is malformed. */
  lookup(key: StageKey): IndexRead {
    const path = this.pathOf(key);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      return {};
    }
    const digest = text.trim();
    if (!isDigest(digest)) return { problem: this.problem(path, "run-cache entry is not a manifest digest") };
    return this.load(digest);
  }

  /** The manifest object with this digest; a miss when it is missing, corrupt or not a manifest. */
  load(digest: Digest): IndexRead {
    const data = this.store.get(digest);
    if (!data) return {};
    let manifest: unknown;
    try {
      manifest = JSON.parse(data.toString("utf8"));
    } catch {
      manifest = undefined;
    }
    if (!isManifest(manifest)) return { problem: this.problem(this.store.pathOf(digest), "stored stage manifest does not have the shape of one") };
    return { found: { digest, manifest } };
  }

  record(key: StageKey, manifest: StageManifest): Digest {
    const digest = this.store.put(canonicalJson(manifest));
    writeFileAtomic(this.pathOf(key), digest + "\n");
    return digest;
  }

  private problem(path: string, what: string): Diagnostic {
    return {
      severity: "warning",
      message: `${what}; ignoring it (the stage runs again and replaces it)`,
      location: { file: relative(this.root, path).split("\\").join("/") },
    };
  }
}

const isDigestRecord = (v: unknown): v is Record<string, Digest> => isRecordOf(v, isDigest);

function isManifest(v: unknown): v is StageManifest {
  return (
    isObject(v) &&
    isString(v.stage) &&
    isDigest(v.records) &&
    isCount(v.count) &&
    isDigestRecord(v.published) &&
    isRecordOf(v.tallies, isTally) &&
    isDigestRecord(v.reads) &&
    isFingerprint(v.fingerprint)
  );
}

function isFingerprint(v: unknown): v is Fingerprint {
  return (
    isObject(v) &&
    isString(v.plugin) &&
    isOptional(v.pluginFile, isDigest) &&
    "with" in v &&
    isDigestRecord(v.files) &&
    isDigestRecord(v.inputs) &&
    isObject(v.providers) &&
    isNumber(v.seed)
  );
}
