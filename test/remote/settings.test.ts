/**
 * The `remoteCache:` setting: loaded and checked with the config, its
 * credentials (headers, URL user-info) kept as secrets, overridden by
 * `--remote-cache` / `DPO_REMOTE_CACHE`; and what the client sends on the wire.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/engine/config/load.js";
import { createRegistry } from "../../src/engine/registry.js";
import { HttpCache } from "../../src/engine/remote/http-cache.js";
import { RemoteCache } from "../../src/engine/remote/remote-cache.js";
import type { ObjectStore } from "../../src/engine/store.js";
import { remoteCacheSettings, withRemoteOverrides } from "../../src/engine/remote/settings.js";
import { TempProject } from "../support/project.js";

const registry = createRegistry({}, {});
const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.remove();
});

async function load(remote: string, env: Record<string, string> = {}) {
  const p = new TempProject({ "dpo.config.yaml": `version: 1\nproject: My Project\n${remote}stages: {}\n` });
  projects.push(p);
  return loadConfig({ root: p.dir, registry, env });
}

describe("remoteCache setting", () => {
  it("fills its defaults: read-only, the project's name as namespace, 10 s timeout", async () => {
    const r = await load("remoteCache: { url: 'http://cache:8080/dpo/' }\n");
    expect(r.ok && r.value.remoteCache).toEqual({ url: "http://cache:8080/dpo", mode: "read-only", headers: {}, namespace: "My-Project", timeoutMs: 10_000 });
    expect(r.ok && r.value.secrets).toEqual([]);
  });

  it("keeps header values and URL credentials as secrets, and moves user-info into an authorization header", async () => {
    const r = await load("remoteCache:\n  url: http://ci:pa55word@cache:8080\n  headers:\n    X-Team: ${TEAM_ID}\n    Authorization: Bearer literal-token-1234\n", { TEAM_ID: "team-0042" });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const s = r.value.remoteCache!;
    expect(s.url).toBe("http://cache:8080");
    expect(s.headers).toEqual({ authorization: `Basic ${Buffer.from("ci:pa55word").toString("base64")}`, "X-Team": "team-0042", Authorization: "Bearer literal-token-1234" });
    expect(r.value.secrets).toEqual(expect.arrayContaining(["team-0042", "Bearer literal-token-1234", "literal-token-1234", "pa55word", Buffer.from("ci:pa55word").toString("base64")]));
  });

  it("reports a bad mode or URL at its line", async () => {
    const r = await load("remoteCache:\n  url: ftp://cache\n  mode: write\n");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.map((d) => [d.location?.line, d.path])).toEqual([[4, "remoteCache.url"], [5, "remoteCache.mode"]]);
  });

  it("is overridden by a URL (its credentials become secrets) or turned off", () => {
    const config = { project: "p", secrets: ["x"], remoteCache: remoteCacheSettings({ url: "http://a", mode: "read-write", headers: { Authorization: "Bearer t0ken" } }, "p") };
    const over = withRemoteOverrides(config, { url: "http://u:s3cret@b:1/c" });
    expect(over.remoteCache).toMatchObject({ url: "http://b:1/c", mode: "read-write", namespace: "p" });
    expect(over.remoteCache!.headers).toMatchObject({ Authorization: "Bearer t0ken", authorization: expect.stringMatching(/^Basic /) });
    expect(over.secrets).toEqual(expect.arrayContaining(["x", "s3cret"]));
    expect(withRemoteOverrides(config, { mode: "read-only" }).remoteCache!.mode).toBe("read-only");
    expect(withRemoteOverrides(config, { url: "off" }).remoteCache).toBeUndefined();
    expect(() => withRemoteOverrides(config, { mode: "both" })).toThrow(/read-write, read-only/);
    expect(() => withRemoteOverrides(config, { url: "cache:8080" })).toThrow(/http\(s\) URL/);
  });
});

describe("HttpCache on the wire", () => {
  let close = () => {};
  afterEach(() => close());

  it("sends the headers to <url>/<namespace>/<kind>/<key>; a 404 is a miss, a 500 turns it off with one warning", async () => {
    const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
    const server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      req.resume().on("end", () => res.writeHead(req.url!.endsWith("/boom") ? 500 : req.method === "PUT" ? 201 : 404).end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    close = () => server.close();
    const settings = remoteCacheSettings({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/base/`, headers: { Authorization: "Bearer abc" } }, "proj");
    const warnings: string[] = [];
    const http = new HttpCache({ settings, warn: (m) => warnings.push(m), redact: (t) => t });
    expect(await http.get("ac", "k1")).toBeUndefined();
    expect(await http.put("cas", "d1", "bytes")).toBe(true);
    expect(warnings).toEqual([]);
    expect(await http.get("cas", "boom")).toBeUndefined();
    expect(await http.get("cas", "after")).toBeUndefined(); // not sent: the remote is off
    await http.close();
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /base/proj/ac/k1", "PUT /base/proj/cas/d1", "GET /base/proj/cas/boom"]);
    expect(seen.every((s) => s.headers.authorization === "Bearer abc")).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/is not usable \(GET answered 500\)/)]);
  });

  it("a download whose local write fails throws that error and leaves the remote in use: the disk is at fault, not the remote", async () => {
    const server = createServer((req, res) => req.resume().on("end", () => res.writeHead(200).end("object bytes")));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    close = () => server.close();
    const settings = remoteCacheSettings({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }, "proj");
    const warnings: string[] = [];
    const http = new HttpCache({ settings, warn: (m) => warnings.push(m), redact: (t) => t });
    const full = new Error("ENOSPC: no space left on device, write");
    await expect(
      http.download("cas", "d1", () => {
        throw full;
      }),
    ).rejects.toBe(full);
    expect(http.down).toBe(false);
    expect(warnings).toEqual([]);
    expect((await http.get("cas", "d2"))?.toString()).toBe("object bytes");
    await http.close();
  });

  it("a fetched object whose local write fails: the fetch rejects with the local error and the partial object is dropped", async () => {
    const server = createServer((req, res) => req.resume().on("end", () => res.writeHead(200).end("object bytes")));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    close = () => server.close();
    const full = new Error("cannot write the object store: ENOSPC");
    let aborted = 0;
    const store = { has: () => false, writer: () => ({ write: () => { throw full; }, abort: () => void aborted++ }) } as unknown as ObjectStore;
    const settings = remoteCacheSettings({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }, "proj");
    const warnings: string[] = [];
    const remote = new RemoteCache({ settings, upload: false, store, warn: (m) => warnings.push(m), redact: (t) => t });
    await expect(remote.fetchObject("a".repeat(64) as never)).rejects.toBe(full);
    expect(aborted).toBe(1);
    expect(remote.http.down).toBe(false);
    expect(warnings).toEqual([]);
    await remote.http.close();
  });
});
