import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ownIdentity } from "../../src/engine/process-identity.js";
import { acquireProjectLock, parseOwner, type ProjectLock } from "../../src/engine/project-lock.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function lockPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "dpo-lock-"));
  dirs.push(dir);
  return join(dir, "build.pid");
}
/** The pid of a process that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid!;
}
const noWait = { wait: false, onWait: () => {} };
/** The pid the lock file names. */
const ownerPid = (path: string) => parseOwner(readFileSync(path, "utf8"))?.pid;
const hasProc = existsSync("/proc/self/stat");

describe("project lock", () => {
  it("holds the lock file with its pid, and releases it", async () => {
    const path = lockPath();
    const lock = (await acquireProjectLock(path, noWait)) as ProjectLock;
    expect(parseOwner(readFileSync(path, "utf8"))).toEqual(ownIdentity());
    lock.release();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(join(path, ".."))).toEqual([]); // no private temp files left behind
  });

  it("takes over a lock left by a dead process, or one that names no process", async () => {
    for (const content of [String(deadPid()), "", "garbage"]) {
      const path = lockPath();
      writeFileSync(path, content);
      const lock = (await acquireProjectLock(path, noWait)) as ProjectLock;
      expect(ownerPid(path)).toBe(process.pid);
      lock.release();
    }
  });

  it.skipIf(!hasProc)("takes over a lock naming a live process that did not write it (a reused pid)", async () => {
    const me = ownIdentity();
    const reused = [
      // PID 1, the test's parent, and this very process (a container's next run gets the same pid): alive, but started at another time.
      ...[1, process.ppid, process.pid].map((pid) => JSON.stringify({ ...me, pid, start: "1" })),
      // A live pid from another boot.
      JSON.stringify({ ...me, boot: "00000000-0000-0000-0000-000000000000" }),
    ];
    for (const content of reused) {
      const path = lockPath();
      writeFileSync(path, content);
      const lock = await acquireProjectLock(path, noWait);
      expect(lock, content).not.toHaveProperty("heldBy");
      expect(ownerPid(path)).toBe(process.pid);
      (lock as ProjectLock).release();
    }
  });

  it.skipIf(!hasProc)("takes over an old-format lock (a bare pid) whose process started after the lock was written", async () => {
    const started = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"]);
    try {
      for (const pid of [process.pid, started.pid!]) {
        const path = lockPath();
        writeFileSync(path, String(pid));
        const dayAgo = new Date(Date.now() - 86_400_000);
        utimesSync(path, dayAgo, dayAgo); // written by a build killed yesterday; the pid was reused since
        const lock = await acquireProjectLock(path, noWait);
        expect(lock, `pid ${pid}`).not.toHaveProperty("heldBy");
        (lock as ProjectLock).release();
      }
    } finally {
      started.kill();
    }
  });

  it("reports a live build holding the lock (a subprocess that took it)", async () => {
    const dist = new URL("../../dist/engine/project-lock.js", import.meta.url);
    const path = lockPath();
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `
      const { acquireProjectLock } = await import(${JSON.stringify(dist.href)});
      await acquireProjectLock(${JSON.stringify(path)}, { wait: false, onWait() {} });
      process.stdout.write("held\\n");
      setTimeout(() => {}, 10000);`], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const exited = new Promise((_, reject) => holder.once("exit", (code) => reject(new Error(`the holder exited (${code})`))));
      await Promise.race([new Promise((resolve) => holder.stdout.once("data", resolve)), exited]);
      expect(await acquireProjectLock(path, noWait)).toEqual({ heldBy: holder.pid });
    } finally {
      holder.kill();
    }
  });

  it("reports a live holder when told not to wait", async () => {
    const path = lockPath();
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"]);
    try {
      writeFileSync(path, String(holder.pid));
      expect(await acquireProjectLock(path, noWait)).toEqual({ heldBy: holder.pid });
    } finally {
      holder.kill();
    }
  });

  it("gives a stale lock to exactly one of many processes racing for it", async () => {
    const dist = new URL("../../dist/engine/project-lock.js", import.meta.url);
    const src = new URL("../../src/engine/project-lock.ts", import.meta.url);
    expect(statSync(dist).mtimeMs, "dist/ is older than src/: run `npx tsc -p .` first").toBeGreaterThanOrEqual(statSync(src).mtimeMs);
    const path = lockPath();
    writeFileSync(path, String(deadPid()));
    // A barrier instead of the clock: each racer says "ready" once loaded, tries
    // once when told "go", and holds what it got until its stdin closes — which
    // happens only after every racer has answered, so no lock is released mid-race.
    const racer = `
      const { acquireProjectLock } = await import(${JSON.stringify(dist.href)});
      const lines = (await import("node:readline")).createInterface({ input: process.stdin });
      process.stdout.write("ready\\n");
      for await (const line of lines) {
        if (line !== "go") continue;
        const got = await acquireProjectLock(${JSON.stringify(path)}, { wait: false, onWait() {} });
        process.stdout.write("release" in got ? "got\\n" : "held\\n");
        lines.once("close", () => ("release" in got ? got.release() : undefined));
        break;
      }`;
    const racers = Array.from({ length: 8 }, () => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", racer], { stdio: ["pipe", "pipe", "inherit"] });
      const said = (word: RegExp) =>
        new Promise<string>((resolve) => {
          let out = "";
          child.stdout.on("data", (d) => {
            out += d;
            const m = word.exec(out);
            if (m) resolve(m[0]);
          });
        });
      return { child, ready: said(/ready/), answer: said(/got|held/), exited: new Promise((r) => child.on("exit", r)) };
    });
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.child.stdin.write("go\n");
    const outcomes = await Promise.all(racers.map((r) => r.answer));
    for (const r of racers) r.child.stdin.end();
    await Promise.all(racers.map((r) => r.exited));
    expect(outcomes.filter((o) => o === "got")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "held")).toHaveLength(7);
  });
});
