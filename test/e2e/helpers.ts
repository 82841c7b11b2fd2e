/**
 * Shared pieces of the end-to-end tests: a small real-data project (AlpacaEval
 * prompts and recorded answers from test/fixtures), a deterministic LLM judge
 * for the local test server, a long-running CLI process whose output lines a
 * test can wait for, and a byte-level view of everything a build wrote.
 */
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "../support/project.js";

const fixtures = join(repoRoot, "test", "fixtures", "alpaca_eval");

/** The first `n` lines of a fixture file, as text. */
export function fixtureLines(rel: string, n: number): string {
  return readFileSync(join(fixtures, rel), "utf8").split("\n").slice(0, n).join("\n") + "\n";
}

/** Data files for a project: `n` prompts and the recorded answers of `models` to them. */
export function alpacaData(n: number, models: string[]): Record<string, string> {
  const files: Record<string, string> = { "data/prompts.jsonl": fixtureLines("prompts.jsonl", n) };
  for (const m of models) files[`data/${m}.jsonl`] = fixtureLines(`outputs/${m}.jsonl`, n);
  return files;
}

/** A two-criterion rubric, small enough that request counts are easy to predict. */
/**
 * A project whose candidates are recorded answers of `models` and whose one
 * judge is an LLM at `baseUrl` (the test server), per criterion of the mini
 * rubric: every judgement a build recomputes is a request a test can count.
 */
export const recordedJudgeConfig = (baseUrl: string, models: readonly string[], project: string) => `version: 1
project: ${project}
seed: 3
providers:
  local: { type: openai, baseUrl: "${baseUrl}", maxRetries: 0, maxConcurrency: 2, prices: { judge-model: { input: 0, output: 0 } } }
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/recorded
    needs: prompts
    with:
      n: 2
      files: [${models.map((m) => `data/${m}.jsonl`).join(", ")}]
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/mini.yaml
      judges: [{ id: llm, type: llm, provider: local, model: judge-model, mode: per-criterion }]
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0 }
`;

export const miniRubric = `name: mini
scale: { min: 1, max: 5 }
instructions: Judge the response on its own merits.
criteria:
  - id: correctness
    description: Are the facts right?
    weight: 2
    anchors: { 1: Wrong on the central point., 3: Mostly right., 5: Entirely right. }
  - id: clarity
    description: Is it easy to follow?
    weight: 1
    anchors: { 1: Confusing., 3: Readable., 5: Crystal clear. }
`;

/** The criteria a judge request asks about, from its `## <id>` headings. */
export const askedCriteria = (body: any): string[] => [...String(body.messages[1].content).matchAll(/^## (\S+)$/gm)].map((m) => m[1]!);

/** A deterministic judge model: valid JSON, a score from 1 to 5 derived from a hash of the request. */
export function judgeReply(body: any): string {
  const digest = createHash("sha256").update(String(body.messages[1].content)).digest();
  return JSON.stringify(
    Object.fromEntries(askedCriteria(body).map((id, i) => [id, { rationale: `${id}: scored from the request digest`, score: 1 + (digest[i]! % 5) }])),
  );
}

/** A CLI process that keeps running (`dpo build --watch`), with its output split into lines. */
export class LiveCli {
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  private partial = "";
  private waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const parts = (this.partial + d).split("\n");
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      this.notify();
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      this.stderr += d;
      this.notify();
    });
    this.exited = new Promise((resolve) => child.on("close", (code) => (this.notify(), resolve(code))));
  }

  /** The first stdout line at index ≥ `from` that matches, with its index; rejects after `timeoutMs`. */
  async line(re: RegExp, from = 0, timeoutMs = 20_000): Promise<{ text: string; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((l, i) => i >= from && re.exec(l) !== null);
      if (index >= 0) return { text: this.lines[index]!, index };
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no line matching ${re} after line ${from}; stdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** Resolves once stderr contains `text`. */
  async stderrContains(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stderr.includes(text)) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`stderr never contained ${JSON.stringify(text)}:\n${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** Sends SIGINT (Ctrl-C) and returns the exit code. */
  async interrupt(): Promise<number | null> {
    this.child.kill("SIGINT");
    return this.exited;
  }

  /** Stops the process for good (cleanup). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }

  private notify() {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Every file under `root/dir` (recursively), root-relative path → bytes. */
export function filesUnder(root: string, dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (abs: string) => {
    for (const name of readdirSync(abs).sort()) {
      const child = join(abs, name);
      if (statSync(child).isDirectory()) walk(child);
      else out.set(relative(root, child).split("\\").join("/"), readFileSync(child));
    }
  };
  walk(join(root, dir));
  return out;
}
