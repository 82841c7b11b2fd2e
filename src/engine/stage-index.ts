/**
 * The run cache: stage key → manifest (DVC's run-cache idea). A manifest names
 * the records artifact, the published files, the tallies, the files the run
 * read on its own, and the fingerprint it was built from (for `--explain`).
 * Manifests are objects in the store; the index maps keys to their digests.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { canonicalJson, type Digest } from "./hash.js";
import type { Fingerprint, StageKey } from "./fingerprint.js";
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

export class StageIndex {
  private readonly dir: string;
  constructor(cacheDir: string, private readonly store: ObjectStore) {
    this.dir = join(cacheDir, "index");
  }

  private pathOf(key: StageKey): string {
    return join(this.dir, key.slice(0, 2), key);
  }

  /** The manifest recorded for a key, or undefined (never built, or its manifest object is gone). */
  lookup(key: StageKey): { digest: Digest; manifest: StageManifest } | undefined {
    let digest: Digest;
    try {
      digest = readFileSync(this.pathOf(key), "utf8").trim() as Digest;
    } catch {
      return undefined;
    }
    return this.load(digest);
  }

  load(digest: Digest): { digest: Digest; manifest: StageManifest } | undefined {
    const data = this.store.get(digest);
    if (!data) return undefined;
    return { digest, manifest: JSON.parse(data.toString("utf8")) as StageManifest };
  }

  record(key: StageKey, manifest: StageManifest): Digest {
    const digest = this.store.put(canonicalJson(manifest));
    writeFileAtomic(this.pathOf(key), digest + "\n", join(this.dir, "..", "tmp"));
    return digest;
  }
}
