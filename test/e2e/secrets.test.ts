/**
 * An API key given through the environment reaches the endpoint and nothing
 * else: not the memo (LMDB files read byte for byte), the object store, the
 * lock, out/, nor anything printed — also when the endpoint fails and its
 * error message quotes the key back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startLlmServer, type Fault, type LlmServer } from "../support/llm-server.js";
import { TempProject, type CliResult } from "../support/project.js";
import { alpacaData, filesUnder, judgeReply, miniRubric } from "./helpers.js";

const KEY = "sk-e2e-Zq8vRw3LkP0nXy7TfJ2m";
const isJudgeRequest = (body: any) => String(body.messages?.[0]?.content ?? "").startsWith("You are a careful, impartial evaluator");

const config = (baseUrl: string, auth = "apiKey: \${TEST_API_KEY}") => `version: 1
project: secrets-e2e
seed: 9
providers:
  local:
    type: openai
    baseUrl: "${baseUrl}"
    ${auth}
    headers:
      x-api-key: \${TEST_API_KEY}
    maxRetries: 0
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/llm
    needs: prompts
    with:
      n: 2
      models: [{ provider: local, model: gen-model }]
      variants: [{ temperature: 0.7 }, { temperature: 1.0 }]
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/mini.yaml
      judges: [{ id: llm, type: llm, provider: local, model: judge-model }]
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0 }
  export:
    uses: export/iterations
    needs: pairs
    with: { iterations: [2], formats: [trl, openai] }
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  faults?: (i: number, body: any) => Fault | undefined,
  configFor: (baseUrl: string) => string = config,
): Promise<{ p: TempProject; server: LlmServer }> {
  const server = await startLlmServer({ reply: (body) => (isJudgeRequest(body) ? judgeReply(body) : undefined), faults });
  cleanups.push(() => server.close());
  const p = new TempProject({ ...alpacaData(4, []), "rubrics/mini.yaml": miniRubric, "dpo.config.yaml": configFor(server.baseUrl) });
  cleanups.push(() => p.remove());
  return { p, server };
}

/** Builds with the key in the environment and every diagnostic switched on. */
const build = (p: TempProject) => p.run(["build", "--verbose"], { TEST_API_KEY: KEY, DPO_DEBUG: "1" });

/** Every file of the project (cache/ with the LMDB memo, out/, dpo.lock) that contains the key's bytes. */
function filesWithKey(p: TempProject): string[] {
  const needle = Buffer.from(KEY);
  return [...filesUnder(p.dir, ".")].filter(([, bytes]) => bytes.includes(needle)).map(([path]) => path);
}

function expectNoLeak(p: TempProject, r: CliResult) {
  expect(r.stdout).not.toContain(KEY);
  expect(r.stderr).not.toContain(KEY);
  expect(filesWithKey(p)).toEqual([]);
}

describe("secrets", () => {
  it("the API key is sent as the bearer token and written nowhere", async () => {
    const { p, server } = await setup();
    const r = await build(p);
    expect(r.code, r.stderr).toBe(0);
    // 4 prompts × 2 candidates generated, then 8 candidates × 2 criteria judged.
    expect(server.requestCount).toBe(4 * 2 + 8 * 2);
    expect(new Set(server.authorizations)).toEqual(new Set([`Bearer ${KEY}`]));
    const files = [...filesUnder(p.dir, ".").keys()];
    expect(files.some((f) => f.startsWith("cache/memo/"))).toBe(true); // the LMDB files were scanned
    expect(files.filter((f) => f.startsWith("out/iter-0002/")).length).toBeGreaterThan(0);
    expectNoLeak(p, r);
    p.write("cache/control", `x${KEY}x`); // the scan does find the key where it is
    expect(filesWithKey(p)).toEqual(["cache/control"]);
  });

  it.each([
    { status: 401, body: `{"error":{"message":"Incorrect API key provided: ${KEY}"}}`, shown: "Incorrect API key provided: ***" },
    { status: 500, body: `{"error":{"message":"upstream failure while serving key ${KEY}"}}`, shown: "upstream failure while serving key ***" },
  ])("a failing endpoint ($status) that quotes the key back leaks it nowhere", async ({ status, body, shown }) => {
    const { p, server } = await setup(() => ({ type: "status", status, body }));
    const r = await build(p);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`stage "candidates"`);
    expect(r.stderr).toContain(`HTTP ${status}: `);
    expect(r.stderr).toContain(shown);
    expect(server.requestCount).toBeGreaterThan(0);
    expect(new Set(server.authorizations)).toEqual(new Set([`Bearer ${KEY}`]));
    expectNoLeak(p, r);
  });

  it("credentials inside the base URL are sent, written nowhere, and rotating them re-runs nothing", async () => {
    const PASS = "pa55-Wq8zXv3kLm";
    const QKEY = "qk-7Yt2mN9pLrB4";
    const withCredentials = (pass: string, key: string) => (baseUrl: string) =>
      config(`${baseUrl.replace("http://", `http://bob:${pass}@`)}?api-key=${key}`, "maxConcurrency: 4");
    const { p, server } = await setup(undefined, withCredentials(PASS, QKEY));
    const r = await build(p);
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(server.authorizations)).toEqual(new Set([`Basic ${Buffer.from(`bob:${PASS}`).toString("base64")}`]));
    expect(server.urls.every((u) => u === `/v1/chat/completions?api-key=${QKEY}`)).toBe(true);
    const leaks = (needle: string) => [...filesUnder(p.dir, ".")].filter(([path, bytes]) => path !== "dpo.config.yaml" && bytes.includes(Buffer.from(needle)));
    for (const secret of [PASS, QKEY]) {
      expect(r.stdout + r.stderr).not.toContain(secret);
      expect(leaks(secret).map(([path]) => path)).toEqual([]);
    }
    const sent = server.requestCount;
    p.write("dpo.config.yaml", withCredentials("rotated-Pass-0042", "rotated-key-0077")(server.baseUrl));
    const again = await build(p);
    expect(again.code, again.stderr).toBe(0);
    expect(server.requestCount).toBe(sent); // every stage cached: the credentials are not part of any key
  });
});
