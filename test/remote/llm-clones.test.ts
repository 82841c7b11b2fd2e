/**
 * CI that reproduces without paying: a project whose judge is an LLM (the
 * local test server) is built once with a read-write remote cache (nginx);
 * a fresh clone with only the committed files and dpo.lock then passes
 * `dpo build --frozen` and `dpo verify` and sends zero LLM requests, with
 * byte-identical outputs. The cache's token comes from `${DPO_CACHE_TOKEN}` and
 * is found nowhere on disk: not in cache/, out/, dpo.lock, the remote's
 * entries, nor anything printed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { alpacaData, judgeReply, miniRubric } from "../e2e/helpers.js";
import { startLlmServer, type LlmServer } from "../support/llm-server.js";
import { nginxAvailable, startNginx, type Nginx } from "../support/nginx.js";
import { TempProject } from "../support/project.js";
import { JUDGE_REQUESTS, MODELS, PROMPTS, judgeConfig } from "../watch/judge-project.js";

const TOKEN = "cache-token-7f3a9c1e5b";

type Command = (argv: string[]) => Promise<number>;
// The CLI's loader (real plugins) runs from dist/ only.
const command = async (name: string): Promise<Command> => ((await import(new URL(`../../dist/cli/commands/${name}.js`, import.meta.url).href)) as { run: Command }).run;

const projectFiles = (llm: string, cache: string) => ({
  ...alpacaData(PROMPTS, MODELS),
  "rubrics/mini.yaml": miniRubric,
  "dpo.config.yaml": judgeConfig(llm).replace(
    "stages:\n",
    `remoteCache:\n  url: ${cache}\n  mode: read-write\n  headers:\n    Authorization: Bearer \${DPO_CACHE_TOKEN}\nstages:\n`,
  ),
  // CI would take it from its secret store; a file here, as `.env` is never committed.
  ".env": `DPO_CACHE_TOKEN=${TOKEN}\n`,
});

/** Runs a CLI command in process, collecting what it prints. */
async function cli(command: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; printed: string }> {
  let printed = "";
  const capture = (chunk: unknown) => ((printed += String(chunk)), true);
  const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    return { code: await command(argv), printed };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function textFilesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (abs: string) => {
    for (const name of readdirSync(abs)) {
      const child = join(abs, name);
      if (statSync(child).isDirectory()) walk(child);
      else if (readFileSync(child).includes(needle)) hits.push(child);
    }
  };
  walk(dir);
  return hits;
}

describe.skipIf(!nginxAvailable())("a fresh clone with the remote cache", () => {
  let nginx: Nginx;
  let llm: LlmServer;
  const projects: TempProject[] = [];
  let buildCommand: Command;
  let verifyCommand: Command;
  beforeAll(async () => {
    [buildCommand, verifyCommand] = await Promise.all([command("build"), command("verify")]);
    [nginx, llm] = await Promise.all([startNginx(), startLlmServer({ reply: judgeReply })]);
  });
  afterAll(async () => {
    for (const p of projects) p.remove();
    await Promise.all([nginx?.close(), llm?.close()]);
  });

  it("passes --frozen and verify with zero LLM requests and byte-identical outputs; the token is nowhere on disk", async () => {
    const first = new TempProject(projectFiles(llm.baseUrl, nginx.url));
    projects.push(first);
    const built = await cli(buildCommand, ["-C", first.dir]);
    expect(built.code, built.printed).toBe(0);
    expect(llm.requestCount).toBe(JUDGE_REQUESTS);
    expect(llm.requests.every((r) => r !== undefined)).toBe(true);

    // The clone: the committed files and dpo.lock only (no cache/, no out/).
    const { ".env": env, ...committed } = projectFiles(llm.baseUrl, nginx.url);
    const clone = new TempProject({ ...committed, ".env": env, "dpo.lock": first.read("dpo.lock") });
    projects.push(clone);
    const frozen = await cli(buildCommand, ["-C", clone.dir, "--frozen"]);
    expect(frozen.code, frozen.printed).toBe(0);
    expect(built.printed).toMatch(/^remote cache: uploaded \d+ entries$/m);
    expect(frozen.printed).toMatch(/^remote cache: fetched 4 stage results, \d+ objects$/m);
    // Every stage's records, byte for byte (this project publishes nothing to out/; the harness tests compare out/).
    const lock = JSON.parse(first.read("dpo.lock")) as { stages: Record<string, { output: string }> };
    for (const { output } of Object.values(lock.stages)) {
      const object = join("cache", "objects", output.slice(0, 2), output);
      expect(readFileSync(clone.path(object)).equals(readFileSync(first.path(object)))).toBe(true);
    }
    const verified = await cli(verifyCommand, ["-C", clone.dir]);
    expect(verified.code, verified.printed).toBe(0);
    expect(verified.printed).toContain("verified: all 4 stages recompute to the digests in dpo.lock");
    expect(llm.requestCount).toBe(JUDGE_REQUESTS); // not one more
    expect(clone.read("dpo.lock")).toBe(first.read("dpo.lock"));

    for (const p of [first, clone]) {
      expect(textFilesContaining(p.path("cache"), TOKEN)).toEqual([]);
      if (existsSync(p.path("out"))) expect(textFilesContaining(p.path("out"), TOKEN)).toEqual([]);
      expect(p.read("dpo.lock")).not.toContain(TOKEN);
    }
    expect(textFilesContaining(nginx.root, TOKEN)).toEqual([]);
    expect(built.printed + frozen.printed + verified.printed).not.toContain(TOKEN);
  });

  it("without the remote, the same fresh clone fails --frozen (nothing to reuse) and verify (no stored reply)", async () => {
    const { ".env": _, ...committed } = projectFiles(llm.baseUrl, nginx.url);
    const clone = new TempProject({ ...committed, ".env": `DPO_CACHE_TOKEN=${TOKEN}\n`, "dpo.lock": projects[0]!.read("dpo.lock") });
    projects.push(clone);
    const frozen = await cli(buildCommand, ["-C", clone.dir, "--frozen", "--remote-cache", "off"]);
    expect(frozen.code).toBe(1);
    const verified = await cli(verifyCommand, ["-C", clone.dir, "--remote-cache", "off"]);
    expect(verified.code).toBe(1);
    expect(verified.printed).toMatch(/offline/);
  });
});
