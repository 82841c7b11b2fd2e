/**
 * What the stages of one build share and what must be released when it ends:
 * the item memo (and the memo work in flight), the worker pool, the
 * provider instances and the remote cache (whose uploads it waits for). Each is created
 * on first use (a no-op build opens none of them) and closed by one `close()`.
 */
import type { ProviderConfig } from "../config/load.js";
import { nodeErrors, type Locations } from "../config/locations.js";
import { InFlight } from "../async/in-flight.js";
import type { Digest } from "../hash.js";
import { openMemo, type MemoStore } from "../memo.js";
import { createPool, type ClosablePool } from "../pool.js";
import type { Reporter } from "../reporter.js";
import { RemoteCache } from "../remote/remote-cache.js";
import type { RemoteCacheSettings } from "../remote/settings.js";
import { tieredMemo } from "../remote/tiered-memo.js";
import type { ObjectStore } from "../store.js";

export interface ResourceOptions {
  memoDir: string;
  /** A memo to use instead of opening `memoDir` (tests); it is not closed here. */
  memo?: MemoStore;
  jobs: number;
  providers: Record<string, ProviderConfig>;
  /** Where config nodes are, so a provider's failure names its line. */
  locations: Locations;
  reporter: Reporter;
  redact: (text: string) => string;
  /** How many builds share the providers' limits at once (the n of `--shard i/n`); default 1. */
  concurrentBuilds?: number;
  /** The remote cache this build uses, and whether it uploads to it. */
  remote?: { settings: RemoteCacheSettings; upload: boolean; store: ObjectStore };
}

export class BuildResources {
  private memo?: Promise<MemoStore>;
  private pool?: ClosablePool;
  private readonly providers = new Map<string, unknown>();
  /** Memo work in flight, shared by the build's stages: identical items running at once run once. */
  readonly memoInFlight = new InFlight<Digest, unknown>();

  /** The remote tier of the store, when the build has one: shared by planning (stage results) and the memo. */
  readonly remote?: RemoteCache;

  constructor(private readonly o: ResourceOptions) {
    const r = o.remote;
    if (r) this.remote = new RemoteCache({ ...r, warn: (m) => o.reporter.warn(m), redact: o.redact });
  }

  openMemo(): Promise<MemoStore> {
    return (this.memo ??= (this.o.memo ? Promise.resolve(this.o.memo) : openMemo(this.o.memoDir)).then((m) => (this.remote ? tieredMemo(m, this.remote) : m)));
  }

  workerPool(): ClosablePool {
    return (this.pool ??= createPool(this.o.jobs));
  }

  /** Creates the named providers (once per build), so `provider()` can stay synchronous for plugins. */
  async loadProviders(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const p = this.o.providers[name];
      if (!p || this.providers.has(name)) continue;
      const type = await p.providerType.load();
      if (this.providers.has(name)) continue; // another stage created it while we loaded the type
      const log = this.o.reporter.logger(`provider ${name}`);
      const fail = nodeErrors(this.o.locations, "providers", name).fail;
      this.providers.set(name, type.create(p.config, { name, log, redact: this.o.redact, fail, concurrentBuilds: this.o.concurrentBuilds ?? 1 }));
    }
  }

  provider(name: string): unknown {
    return this.providers.get(name);
  }

  async close(): Promise<void> {
    // Providers live for one build: release what they hold (an HTTP pool's
    // keep-alive sockets), or every rebuild in watch mode would leave its own.
    await Promise.allSettled([...this.providers.values()].map((p) => (p as { close?: () => unknown }).close?.()));
    await this.pool?.close();
    // Uploads of what this build computed finish (or time out) before the build ends.
    await this.remote?.close();
    // A memo that failed to open (the failure is the stage's) has nothing to close.
    if (this.memo && !this.o.memo) await this.memo.then((m) => m.close(), () => {});
  }
}
