/**
 * A real remote cache for tests and benchmarks: Debian's nginx with WebDAV
 * (test/support/nginx/nginx.conf), on a free loopback port, every file it
 * writes (entries, pid, logs, temp bodies) in a fresh temporary directory,
 * running as the current user. It imports only node: modules so a benchmark
 * can transpile it and run it in its own process.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), "nginx", "nginx.conf");
const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p)) ?? "nginx";

export interface Nginx {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The served folder: `<root>/<namespace>/ac/<key>`, `…/cas/<sha256>`. */
  readonly root: string;
  /** Every stored entry, root-relative path → bytes. */
  entries(): Map<string, Buffer>;
  /** Stops the server (the entries stay until `remove`). */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same entries. */
  restart(): Promise<void>;
  /** Stops it and deletes its folder. */
  close(): Promise<void>;
}

/** Whether nginx with the dav module is installed (tests skip with a reason otherwise). */
export function nginxAvailable(): boolean {
  const r = spawnSync(NGINX, ["-V"], { encoding: "utf8" });
  return r.status === 0 && (r.stderr + r.stdout).includes("--with-http_dav_module");
}

/** The config for a server on `port` keeping everything under `dir`. */
export function nginxConfig(dir: string, port: number): string {
  const asRoot = process.getuid?.() === 0;
  return readFileSync(TEMPLATE, "utf8")
    .replaceAll("@USER@", asRoot ? "user root;" : "")
    .replaceAll("@DIR@", dir)
    .replaceAll("@PORT@", String(port));
}

export async function startNginx(): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), "dpo-nginx-"));
  for (const sub of ["root", "tmp"]) mkdirSync(join(dir, sub));
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, nginxConfig(dir, port));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(NGINX, ["-p", dir, "-c", conf, "-e", join(dir, "error.log")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const exited = new Promise<never>((_, reject) => child!.once("exit", (code) => reject(new Error(`nginx exited (${code}): ${stderr}${readLog(dir)}`))));
    await Promise.race([listening(port), exited]);
    exited.catch(() => {});
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM"); // fast shutdown: open connections are closed at once
    await gone;
  };
  await start();
  const root = join(dir, "root");
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    root,
    entries: () => filesUnder(root),
    stop,
    restart: start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "error.log"), "utf8");
  } catch {
    return "";
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Resolves once something accepts connections on the port (nginx takes a few ms to bind). */
async function listening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function filesUnder(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (abs: string) => {
    for (const name of readdirSync(abs).sort()) {
      const child = join(abs, name);
      if (statSync(child).isDirectory()) walk(child);
      else out.set(relative(root, child).split("\\").join("/"), readFileSync(child));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}
