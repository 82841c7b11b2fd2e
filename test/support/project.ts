/**
 * The end-to-end rig: a temporary project folder and the real CLI
 * (`node bin/dpo.js`, compiled by `npm test`'s pretest step), with exact
 * access to what it printed and what it wrote.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const dpoBin = join(repoRoot, "bin", "dpo.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class TempProject {
  readonly dir: string;
  constructor(files: Record<string, string> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "dpo-test-"));
    for (const [path, content] of Object.entries(files)) this.write(path, content);
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  write(rel: string, content: string | Uint8Array): void {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), content);
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), "utf8");
  }

  /** Runs `dpo <args>` in the project and waits for it. */
  run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const child = this.spawn(args, env);
    return collect(child);
  }

  spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
    return spawn(process.execPath, [dpoBin, ...args], {
      cwd: this.dir,
      env: { ...process.env, CI: "true", FORCE_COLOR: "0", DPO_JOBS: "2", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Parses the summary table: stage → { status, records, hits, misses }. */
export function summary(stdout: string): Record<string, { status: string; records: string; hits: number; misses: number }> {
  const rows: Record<string, { status: string; records: string; hits: number; misses: number }> = {};
  for (const line of stdout.split("\n")) {
    const m = /^(\S+)\s+(ran|cached|failed|blocked|cancelled)\s+(\S+)\s+(\S+)\s+\S+$/.exec(line);
    if (!m) continue;
    const [hits, misses] = m[4] === "-" ? [0, 0] : m[4]!.split("/").map(Number);
    rows[m[1]!] = { status: m[2]!, records: m[3]!, hits: hits!, misses: misses! };
  }
  return rows;
}

/** Resolves once `rel` in the project has at least `lines` lines. */
export async function waitForLines(p: TempProject, rel: string, lines: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let n = 0;
    try {
      n = p.read(rel).split("\n").length - 1;
    } catch {
      /* not yet written */
    }
    if (n >= lines) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lines} lines in ${rel}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => (stdout += d));
  child.stderr?.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A project-local plugin for engine tests: one output record per input line
 * of a JSONL file (or per upstream record), each item's work memoised, with an
 * optional delay per item and a tally of items actually computed.
 */
export const itemPlugin = `
import { appendFileSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
export default {
  name: "test/items",
  version: "1",
  description: "test plugin",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      path: { type: "string", dpo: "file", description: "input JSONL" },
      suffix: { type: "string", default: "", description: "appended to every text" },
      delayMs: { type: "integer", default: 0, description: "work per item" },
    },
  },
  async *run(ctx) {
    const rows = [];
    if (ctx.with.path) {
      for (const line of readFileSync(ctx.resolve(ctx.with.path), "utf8").split("\\n")) if (line.trim()) rows.push(JSON.parse(line));
    }
    for (const a of Object.values(ctx.inputs)) for await (const r of a.records()) rows.push(r);
    ctx.progress.total(rows.length);
    for (const row of rows) {
      const text = await ctx.memo(["test-items@1", row.text, ctx.with.suffix], async () => {
        if (ctx.with.delayMs) await sleep(ctx.with.delayMs, undefined, { signal: ctx.signal });
        return row.text + ctx.with.suffix;
      });
      ctx.progress.tick();
      appendFileSync(ctx.resolve("progress-" + ctx.stage + ".log"), "item\\n"); // lets tests wait for real progress
      yield { id: row.id ?? text, text };
    }
  },
};
`;
