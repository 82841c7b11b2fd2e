/**
 * Where the remote cache is and how a build may use it: the `remoteCache:`
 * setting of the config, overridden by `DPO_REMOTE_CACHE` / `--remote-cache`
 * (a URL, or `off`) and `DPO_REMOTE_CACHE_MODE` / `--remote-cache-mode`.
 *
 * Credentials never stay in the URL: user-info becomes a basic
 * `authorization` header, so the URL itself can be shown in warnings. Header
 * values and URL credentials are secrets (redacted like every secret).
 */
import { basicCredentials, publicUrl, urlSecrets } from "../config/url-credentials.js";
import { DpoError } from "../diagnostic.js";

export type RemoteCacheMode = "read-write" | "read-only";

export const REMOTE_CACHE_MODES: readonly RemoteCacheMode[] = ["read-write", "read-only"];

export interface RemoteCacheSettings {
  /** The server's base URL without credentials: `<url>/<namespace>/ac/…` and `…/cas/…`. */
  url: string;
  mode: RemoteCacheMode;
  /** Sent with every request (authorization and the like): values are secrets. */
  headers: Record<string, string>;
  /** Path segment under `url` that keeps this project's entries apart from others'. */
  namespace: string;
  /** Longest time one request may take before the remote is taken for down. */
  timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** `remoteCache:` as written in the config (after interpolation and schema checks). */
export interface RemoteCacheEntry {
  url: string;
  mode?: RemoteCacheMode;
  headers?: Record<string, string>;
  namespace?: string;
  /** Seconds. */
  timeout?: number;
}

/** The settings for a config entry; the URL's own credentials are moved into headers. */
export function remoteCacheSettings(entry: RemoteCacheEntry, project: string): RemoteCacheSettings {
  const u = new URL(entry.url);
  const basic = basicCredentials(u);
  const headers: Record<string, string> = { ...(basic ? { authorization: `Basic ${basic}` } : {}), ...(entry.headers ?? {}) };
  return {
    url: publicUrl(entry.url),
    mode: entry.mode ?? "read-only",
    headers,
    namespace: entry.namespace ?? namespaceOf(project),
    timeoutMs: Math.round((entry.timeout ?? DEFAULT_TIMEOUT_MS / 1000) * 1000),
  };
}

/** A project name as one URL path segment. */
export function namespaceOf(project: string): string {
  return project.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "dpo";
}

/** Header names whose values are credentials whatever they are written as. */
const CREDENTIAL_HEADER = /auth|token|key|secret|password|cookie|session/i;

/** The values that must be redacted: credential headers', interpolated headers' and the URL's credentials. */
export function remoteCacheSecrets(entry: RemoteCacheEntry, interpolatedHeaders: ReadonlySet<string> = new Set()): string[] {
  const fromHeaders = Object.entries(entry.headers ?? {})
    .filter(([name, value]) => CREDENTIAL_HEADER.test(name) || interpolatedHeaders.has(name) || hasSecretLook(value))
    .flatMap(([, value]) => [value, ...credentialParts(value)]);
  return [...new Set([...fromHeaders, ...urlSecrets(entry.url)])].filter((s) => s !== "");
}

/** `Bearer abc` → `abc`: the credential alone may be shown elsewhere. */
function credentialParts(value: string): string[] {
  const m = /^\s*\S+\s+(\S.*)$/.exec(value);
  return m ? [m[1]!] : [];
}

const hasSecretLook = (value: string) => /^(Bearer|Basic|Token)\s/i.test(value);

export interface RemoteCacheOverrides {
  /** `--remote-cache` or `DPO_REMOTE_CACHE`: a URL, or `off`. */
  url?: string;
  /** `--remote-cache-mode` or `DPO_REMOTE_CACHE_MODE`. */
  mode?: string;
}

export type ResolvedRemote = { settings?: RemoteCacheSettings; secrets: string[] } | { error: string };

/** The configured settings with the overrides applied; `off` turns the remote cache off. */
export function applyOverrides(configured: RemoteCacheSettings | undefined, o: RemoteCacheOverrides, project: string): ResolvedRemote {
  if (o.mode !== undefined && !REMOTE_CACHE_MODES.includes(o.mode as RemoteCacheMode)) {
    return { error: `remote cache mode must be one of ${REMOTE_CACHE_MODES.join(", ")}, found "${o.mode}"` };
  }
  const mode = o.mode as RemoteCacheMode | undefined;
  if (o.url === "off") return { secrets: [] };
  if (o.url === undefined || o.url === "") {
    return { settings: configured && mode ? { ...configured, mode } : configured, secrets: [] };
  }
  if (!/^https?:\/\//i.test(o.url) || !URL.canParse(o.url)) return { error: `the remote cache URL must be an http(s) URL (or \`off\`), found "${publicOrRaw(o.url)}"` };
  const fromUrl = remoteCacheSettings({ url: o.url, ...(mode ? { mode } : {}) }, project);
  const settings: RemoteCacheSettings = {
    ...fromUrl,
    mode: mode ?? configured?.mode ?? fromUrl.mode,
    headers: { ...(configured?.headers ?? {}), ...fromUrl.headers },
    namespace: configured?.namespace ?? fromUrl.namespace,
    timeoutMs: configured?.timeoutMs ?? fromUrl.timeoutMs,
  };
  return { settings, secrets: urlSecrets(o.url) };
}

function publicOrRaw(url: string): string {
  try {
    return publicUrl(url);
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//***@");
  }
}

/** The config with the overrides applied to its remote cache (and the override URL's credentials among its secrets). */
export function withRemoteOverrides<C extends { project: string; remoteCache?: RemoteCacheSettings; secrets: string[] }>(config: C, o: RemoteCacheOverrides): C {
  if (o.url === undefined && o.mode === undefined) return config;
  const r = applyOverrides(config.remoteCache, o, config.project);
  if ("error" in r) throw new DpoError({ severity: "error", message: r.error, hint: "e.g. --remote-cache http://cache.internal:8080/dpo --remote-cache-mode read-only" }, 2);
  const { remoteCache: _, ...rest } = config;
  return { ...rest, ...(r.settings ? { remoteCache: r.settings } : {}), secrets: [...new Set([...config.secrets, ...r.secrets])].sort() } as C;
}
