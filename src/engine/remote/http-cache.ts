/**
 * The Bazel HTTP remote-cache protocol, as bazel-remote, nginx with WebDAV
 * and object-store proxies serve it: `GET`/`PUT` of `<url>/<namespace>/ac/<key>`
 * and `<url>/<namespace>/cas/<sha256>`; a 404 is a miss.
 *
 * The remote is an accelerator, never a dependency: the first request that
 * fails (refused, reset, timed out, a 5xx or an unexpected status) says so
 * in one warning and turns the client off for the rest of the build, so a
 * server that is down or slow costs at most one timeout and the build goes on
 * with the local cache.
 *
 * undici is imported on the first request: a build that never reaches the
 * remote (everything fresh locally) does not pay for loading it.
 */
import { createReadStream } from "node:fs";
import type { Dispatcher } from "undici";
import type { RemoteCacheSettings } from "./settings.js";

export type CacheKind = "ac" | "cas";

/** Connections kept to the server: enough for a build's memo lookups and uploads at once. */
const CONNECTIONS = 16;

export interface HttpCacheOptions {
  settings: RemoteCacheSettings;
  /** Where the one warning goes (already redacted by the caller's reporter). */
  warn: (message: string) => void;
  redact: (text: string) => string;
  dispatcher?: Dispatcher;
}

/** A file to upload as it is on disk: its path and size (the Content-Length). */
export interface StoredFile {
  path: string;
  size: number;
}

export class HttpCache {
  private dispatcher?: Promise<Dispatcher>;
  private readonly base: URL;
  private readonly prefix: string;
  private readonly headers: Record<string, string>;
  private downReason?: string;
  /** Requests sent, by method: what tests and the benchmark count. */
  readonly sent = { GET: 0, HEAD: 0, PUT: 0 };

  constructor(private readonly o: HttpCacheOptions) {
    const s = o.settings;
    this.base = new URL(s.url);
    this.prefix = `${this.base.pathname.replace(/\/+$/, "")}/${encodeURIComponent(s.namespace)}`;
    this.headers = s.headers;
    if (o.dispatcher) this.dispatcher = Promise.resolve(o.dispatcher);
  }

  private agent(): Promise<Dispatcher> {
    const t = this.o.settings.timeoutMs;
    return (this.dispatcher ??= import("undici").then(
      ({ Agent }) => new Agent({ connections: CONNECTIONS, connectTimeout: t, headersTimeout: t, bodyTimeout: t, keepAliveTimeout: 4_000 }),
    ));
  }

  /** True once a request failed: every later call is a miss (or a skipped upload) without touching the network. */
  get down(): boolean {
    return this.downReason !== undefined;
  }

  /** Where `kind/key` lives, without credentials: for messages. */
  where(kind: CacheKind, key: string): string {
    return `${this.base.origin}${this.prefix}/${kind}/${key}`;
  }

  /** The entry's bytes, or undefined on a miss or when the remote is down (small entries: objects are `download`ed). */
  async get(kind: CacheKind, key: string): Promise<Buffer | undefined> {
    const chunks: Uint8Array[] = [];
    return (await this.download(kind, key, (chunk) => chunks.push(chunk))) ? Buffer.concat(chunks) : undefined;
  }

  /**
   * Streams the entry's bytes into `write` as they arrive (an object can be
   * gigabytes: it is never whole in memory). True when all of it came, false
   * on a miss, undefined when the remote is down or failed part-way. An error
   * thrown by `write` is this machine's (a full disk), not the remote's: it
   * is thrown as it is, and the remote stays in use.
   */
  async download(kind: CacheKind, key: string, write: (chunk: Uint8Array) => void): Promise<boolean | undefined> {
    if (this.down) return undefined;
    this.sent.GET++;
    try {
      const res = await this.request("GET", kind, key);
      if (res.statusCode !== 200) {
        await res.body.dump();
        return res.statusCode === 404 ? false : this.fail(`GET answered ${res.statusCode}`);
      }
      for await (const chunk of res.body) {
        try {
          write(chunk as Uint8Array);
        } catch (e) {
          throw new LocalWriteError(e);
        }
      }
      return true;
    } catch (e) {
      if (e instanceof LocalWriteError) throw e.error;
      return this.fail(describe(e));
    }
  }

  /** Whether the remote has the entry (`HEAD`); undefined when the remote is down or just failed. */
  async has(kind: CacheKind, key: string): Promise<boolean | undefined> {
    if (this.down) return undefined;
    this.sent.HEAD++;
    try {
      const res = await this.request("HEAD", kind, key);
      await res.body.dump();
      if (res.statusCode === 200 || res.statusCode === 404) return res.statusCode === 200;
      return this.fail(`HEAD answered ${res.statusCode}`);
    } catch (e) {
      return this.fail(describe(e));
    }
  }

  /** Stores an entry (a file is streamed from disk); false when it was not stored (the remote is down, or just failed). */
  async put(kind: CacheKind, key: string, body: string | Buffer | StoredFile): Promise<boolean> {
    if (this.down) return false;
    this.sent.PUT++;
    try {
      const res = await this.request("PUT", kind, key, body);
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) return true;
      this.fail(`PUT answered ${res.statusCode}${res.statusCode === 401 || res.statusCode === 403 ? " (check the remote cache's headers, or use mode: read-only)" : ""}`);
      return false;
    } catch (e) {
      this.fail(describe(e));
      return false;
    }
  }

  async close(): Promise<void> {
    if (!this.o.dispatcher && this.dispatcher) await (await this.dispatcher).close().catch(() => {});
  }

  private async request(method: "GET" | "HEAD" | "PUT", kind: CacheKind, key: string, body?: string | Buffer | StoredFile): Promise<Dispatcher.ResponseData> {
    const file = typeof body === "object" && !Buffer.isBuffer(body) ? body : undefined;
    const payload = file ? createReadStream(file.path) : (body as string | Buffer | undefined);
    const headers = body === undefined ? this.headers : { ...this.headers, "content-type": "application/octet-stream", ...(file ? { "content-length": String(file.size) } : {}) };
    return (await this.agent()).request({
      origin: this.base.origin,
      path: `${this.prefix}/${kind}/${key}`,
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.timeout(this.o.settings.timeoutMs),
    });
  }

  private fail(reason: string): undefined {
    if (this.down) return undefined;
    this.downReason = reason;
    this.o.warn(this.o.redact(`remote cache ${this.o.settings.url} is not usable (${reason}); going on with the local cache only for the rest of this build`));
    return undefined;
  }
}

/** Carries an error of the local write out of a download, past the handling of the remote's errors. */
class LocalWriteError {
  constructor(readonly error: unknown) {}
}

function describe(e: unknown): string {
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.code === "UND_ERR_HEADERS_TIMEOUT" || err?.code === "UND_ERR_BODY_TIMEOUT" || err?.code === "UND_ERR_CONNECT_TIMEOUT") return "timed out";
  const code = err?.cause?.code ?? err?.code;
  if (code && code in SAID) return SAID[code]!;
  return code ?? err?.cause?.message ?? err?.message ?? String(e);
}

/** What a failed request's error code means, in a warning. */
const SAID: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  UND_ERR_SOCKET: "connection closed",
  EPIPE: "connection closed",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};
