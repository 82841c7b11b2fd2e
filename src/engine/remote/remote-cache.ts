/**
 * The remote tier of the store, for one build: objects, stage results (the
 * run cache) and memo entries looked up after the local cache misses, and
 * what the build computes uploaded in read-write mode.
 *
 * Downloads are verified before they are used or stored locally: an object
 * must hash to its digest, an action-cache entry must be a well-formed entry
 * for the key asked for (entries.ts). A bad one is ignored — the work is
 * recomputed — with one warning per build.
 *
 * Uploads never hold the build up: they are queued (at most MAX_QUEUED; past
 * that they are dropped with one warning), run a few at a time, and `flush`
 * waits for them at the end. A stage result is uploaded after the objects it
 * names, so a reader that finds it finds them.
 */
import { statSync } from "node:fs";
import { Semaphore } from "../async/semaphore.js";
import type { Digest } from "../hash.js";
import type { StageManifest } from "../stage-index.js";
import type { ObjectStore } from "../store.js";
import { memoEntry, readMemoEntry, readStageResult, stageResultEntry } from "./entries.js";
import { HttpCache, type CacheKind } from "./http-cache.js";
import type { RemoteCacheSettings } from "./settings.js";

/** Uploads running at once. */
const UPLOADS_AT_ONCE = 8;
/** Uploads waiting before new ones are dropped: bounds the memory memo values in the queue hold. */
const MAX_QUEUED = 4096;

export interface RemoteCacheOptions {
  settings: RemoteCacheSettings;
  /** Upload what this build computes? (Off for read-only settings, and for modes that only read.) */
  upload: boolean;
  store: ObjectStore;
  warn: (message: string) => void;
  redact: (text: string) => string;
}

/** What one build did with the remote: for reports, tests and the benchmark. */
export interface RemoteStats {
  memoHits: number;
  objectsFetched: number;
  stageResultsFetched: number;
  uploads: number;
  corrupt: number;
  dropped: number;
}

export class RemoteCache {
  readonly http: HttpCache;
  readonly stats: RemoteStats = { memoHits: 0, objectsFetched: 0, stageResultsFetched: 0, uploads: 0, corrupt: 0, dropped: 0 };
  private readonly uploading = new Semaphore(UPLOADS_AT_ONCE);
  private readonly pending = new Set<Promise<unknown>>();
  /** `kind/key` uploaded (or being uploaded) by this build: each once. */
  private readonly uploaded = new Map<string, Promise<boolean>>();
  private readonly fetching = new Map<Digest, Promise<boolean>>();
  /** Stage keys the remote is known to have (fetched from it this build). */
  private readonly present = new Set<Digest>();
  private warnedCorrupt = false;
  private warnedDropped = false;

  constructor(private readonly o: RemoteCacheOptions) {
    this.http = new HttpCache({ settings: o.settings, warn: o.warn, redact: o.redact });
  }

  get uploads(): boolean {
    return this.o.upload;
  }

  /** Downloads a missing object into the local store; true when it is there now. One download per object at a time. */
  fetchObject(digest: Digest): Promise<boolean> {
    if (this.o.store.has(digest)) return Promise.resolve(true);
    let p = this.fetching.get(digest);
    if (!p) {
      p = this.download(digest).finally(() => this.fetching.delete(digest));
      this.fetching.set(digest, p);
    }
    return p;
  }

  /** Streams the object into the store, which keeps it only if its bytes have its digest. */
  private async download(digest: Digest): Promise<boolean> {
    const writer = this.o.store.writer();
    // A failure of the remote part-way is `undefined`; one writing here (the local store's, with its path) is thrown.
    let complete: boolean | undefined;
    try {
      complete = await this.http.download("cas", digest, (chunk) => writer.write(chunk));
    } finally {
      if (!complete) writer.abort();
    }
    if (!complete) return false;
    if (!writer.finishAs(digest)) return this.corrupt(this.http.where("cas", digest));
    this.stats.objectsFetched++;
    return true;
  }

  /** The manifest digest the remote run cache has for a stage key (the manifest object itself fetched too). */
  async stageResult(key: Digest): Promise<Digest | undefined> {
    const data = await this.http.get("ac", key);
    if (!data) return undefined;
    const manifest = readStageResult(data, key);
    if (!manifest) return void this.corrupt(this.http.where("ac", key));
    return (await this.fetchObject(manifest)) ? manifest : undefined;
  }

  /** A memo value from the remote, or undefined. */
  async memoValue(key: Digest): Promise<{ value: unknown } | undefined> {
    const data = await this.http.get("ac", key);
    if (!data) return undefined;
    const entry = readMemoEntry(data, key);
    if (!entry) return void this.corrupt(this.http.where("ac", key));
    this.stats.memoHits++;
    return entry;
  }

  /** Queues a finished memo entry for upload. */
  uploadMemo(key: Digest, value: unknown): void {
    if (!this.o.upload || this.http.down) return;
    const body = memoEntry(key, value);
    this.enqueue("ac", key, () => this.send("ac", key, body));
  }

  /** Queues a stage's result: its objects (records, published files, manifest), then the run-cache entry naming them. */
  uploadStageResult(key: Digest, manifestDigest: Digest, manifest: StageManifest): void {
    if (!this.o.upload || this.http.down) return;
    this.enqueue("ac", key, () => this.stageUpload(key, manifestDigest, manifest));
  }

  private async stageUpload(key: Digest, manifestDigest: Digest, manifest: StageManifest): Promise<boolean> {
    const objects = [manifest.records, ...Object.values(manifest.published), manifestDigest];
    const sent = await Promise.all(objects.map((d) => this.uploadObject(d)));
    return sent.every(Boolean) && (await this.send("ac", key, stageResultEntry(key, manifest.stage, manifestDigest)));
  }

  /**
   * A stage result this build reused from the local cache: uploaded too when
   * the remote lacks it (one `HEAD`), so turning a remote on for a project
   * with a warm cache fills it. (Memo entries of earlier builds are not.)
   */
  ensureStageResult(key: Digest, manifestDigest: Digest, manifest: StageManifest): void {
    if (!this.o.upload || this.http.down || this.present.has(key)) return;
    this.enqueue("ac", key, async () => (await this.slot(() => this.http.has("ac", key))) !== false || this.stageUpload(key, manifestDigest, manifest));
  }

  /** A stage result was just fetched from the remote (so it has it: nothing to upload). */
  markPresent(key: Digest): void {
    this.present.add(key);
    this.stats.stageResultsFetched++;
  }

  /** Waits for every queued upload (each bounded by the request timeout). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    // Downloads started ahead (prefetch) finish before the build lets go of the project.
    await Promise.allSettled([...this.fetching.values()]);
    await this.http.close();
  }

  private uploadObject(digest: Digest): Promise<boolean> {
    const id = `cas/${digest}`;
    let p = this.uploaded.get(id);
    if (!p) {
      p = this.slot(async () => {
        // Verified here, then streamed from disk: an artifact of a million records is never read whole.
        if (!this.o.store.verify(digest)) return false;
        const path = this.o.store.pathOf(digest);
        return (await this.http.put("cas", digest, { path, size: statSync(path).size })) && this.count();
      });
      this.uploaded.set(id, p);
    }
    return p;
  }

  private send(kind: CacheKind, key: string, body: string): Promise<boolean> {
    return this.slot(async () => (await this.http.put(kind, key, body)) && this.count());
  }

  private enqueue(kind: CacheKind, key: string, task: () => Promise<boolean>): void {
    const id = `${kind}/${key}`;
    if (this.uploaded.has(id)) return;
    if (this.pending.size >= MAX_QUEUED) return this.drop();
    const p = task().catch(() => false);
    this.uploaded.set(id, p);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.uploading.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private count(): true {
    this.stats.uploads++;
    return true;
  }

  private corrupt(where: string): false {
    this.stats.corrupt++;
    if (!this.warnedCorrupt) {
      this.warnedCorrupt = true;
      this.o.warn(this.o.redact(`remote cache entry ${where} is corrupt (it does not match its digest or is not a dpo entry); ignoring it and computing the result here`));
    }
    return false;
  }

  private drop(): void {
    this.stats.dropped++;
    if (!this.warnedDropped) {
      this.warnedDropped = true;
      this.o.warn(`remote cache uploads are falling behind (${MAX_QUEUED} queued); some results of this build are not uploaded`);
    }
  }
}
