/**
 * The openai provider's `structuredOutput` setting, end to end through the LLM
 * judge against the test server, which treats `response_format` as vLLM does
 * (test/support/llm-server-formats.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { nodeErrors } from "../../src/engine/config/locations.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import { validate } from "../../src/engine/schema.js";
import pairwise from "../../src/plugins/judge/pairwise.js";
import plugin from "../../src/plugins/judge/rubric.js";
import openai from "../../src/providers/openai.js";
import { strictSchema } from "../../src/providers/structured-output.js";
import { JSON_OBJECT_ONLY, NO_RESPONSE_FORMAT, type ResponseFormatSupport } from "../support/llm-server-formats.js";
import { startLlmServer, type LlmServer, type Reply } from "../support/llm-server.js";
import { runPlugin } from "../support/run-plugin.js";
import { alpacaRecords } from "./fixtures.js";

const root = mkdtempSync(join(tmpdir(), "dpo-structured-"));
writeFileSync(join(root, "rubric.yaml"), readFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), "utf8"));
const memoir = alpacaRecords().get(315)!;
const record: Rec = { ...memoir, candidates: (memoir.candidates as any[]).slice(0, 2) };
const CALLS = 2 * 5; // candidates × criteria

const plainText = () => "The response is good. I would give it a 4 out of 5.";
const askedCriteria = (body: any): string[] => [...String(body.messages[1].content).matchAll(/^## (\S+)$/gm)].map((m) => m[1]!);
const goodJudge = (body: any) => JSON.stringify(Object.fromEntries(askedCriteria(body).map((id) => [id, { rationale: "fine", score: 4 }])));

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server, a provider on it and a way to run the judge; `warnings` collects the provider's and the stage's warnings. */
async function rig(o: { reply: (body: any) => Reply; formats?: ResponseFormatSupport; provider?: Record<string, unknown>; server?: LlmServer }) {
  const server: LlmServer = o.server ?? (await startLlmServer({ reply: o.reply, responseFormats: o.formats }));
  const config = { type: "openai", baseUrl: server.baseUrl, maxRetries: 0, maxConcurrency: 1, ...o.provider };
  const v = validate(openai.schema, config);
  expect(v.errors).toEqual([]);
  const provider = openai.create(config as any, { name: "local", log: { info() {}, warn() {}, debug() {} }, redact: (s) => s, fail: nodeErrors(undefined, "providers", "local").fail });
  closers.push(() => provider.close());
  if (!o.server) closers.push(() => server.close());
  const judge = (memo: MemoStore = memoryMemo(), judgeExtra: Record<string, unknown> = {}) =>
    runPlugin(plugin, {
      root,
      memo,
      providers: { local: provider },
      with: { rubric: "rubric.yaml", judges: [{ id: "gpt", type: "llm", provider: "local", model: "judge-model", ...judgeExtra }] },
      inputs: { generate: [record] },
    });
  return { server, judge };
}

const judgements = (run: { records: Rec[] }) => (run.records[0]!.candidates as any[]).flatMap((c) => c.judgements as any[]);
const formatsSent = (server: LlmServer) => server.requests.map((b) => b.response_format?.type ?? "none");
const warningsOf = (run: { logs: string[] }) => run.logs.filter((l) => l.startsWith("warn: "));

describe("structuredOutput: json_schema (the default)", () => {
  test("a server that answers in plain text, asked with json_schema, gives a conforming reply: every verdict is scored", async () => {
    const { server, judge } = await rig({ reply: plainText });
    const run = await judge();
    expect(formatsSent(server)).toEqual(Array(CALLS).fill("json_schema"));
    expect(judgements(run).map((j) => typeof j.score)).toEqual(Array(CALLS).fill("number"));
    expect(run.trace.tallies["judge.scored"]).toBe(CALLS);
    expect(server.requestCount).toBe(CALLS); // no repairs
  });

  test("the schema is sent strict, and valid under OpenAI's strict rules", async () => {
    const { server, judge } = await rig({ reply: goodJudge });
    await judge(memoryMemo(), { mode: "single-call" });
    const format = server.requests[0].response_format;
    expect(format).toMatchObject({ type: "json_schema", json_schema: { name: "judge_scores", strict: true } });
    expect(format.json_schema.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const schema = format.json_schema.schema;
    expect(strictViolations(schema)).toEqual([]);
    expect(Object.keys(schema.properties)).toEqual(["correctness", "completeness", "relevance", "clarity", "safety"]);
    expect(schema.properties.correctness.properties.score).toEqual({ type: "integer", enum: [1, 2, 3, 4, 5] }); // the scale survives as an enum
  });

  test("the pairwise judge sends its schema strict too", async () => {
    const server = await startLlmServer({ reply: plainText });
    const provider = openai.create({ type: "openai", baseUrl: server.baseUrl, maxRetries: 0 } as any, { name: "local", log: { info() {}, warn() {}, debug() {} }, redact: (s) => s, fail: nodeErrors(undefined, "providers", "local").fail });
    closers.push(() => provider.close(), () => server.close());
    const pair = { id: "p1", prompt: "Q?", chosen: { id: "c", text: "good" }, rejected: { id: "r", text: "bad" }, judges: [] };
    const run = await runPlugin(pairwise, { root, providers: { local: provider }, with: { rubric: "rubric.yaml", judges: [{ id: "pw", provider: "local", model: "m", mode: "overall" }] }, inputs: { pairs: [pair] } });
    const format = server.requests[0].response_format;
    expect(format).toMatchObject({ type: "json_schema", json_schema: { name: "pairwise_verdict", strict: true } });
    expect(strictViolations(format.json_schema.schema)).toEqual([]);
    expect(run.trace.tallies["pairwise.unanswered"]).toBeUndefined(); // plain text, yet answered
  });

  test("a server that knows only json_object: json_schema is tried once, then json_object, with one warning; every verdict is scored", async () => {
    const { server, judge } = await rig({ reply: goodJudge, formats: JSON_OBJECT_ONLY });
    const run = await judge();
    expect(formatsSent(server)).toEqual(["json_schema", ...Array(CALLS).fill("json_object")]);
    expect(server.requestCount).toBe(CALLS + 1);
    const warnings = warningsOf(run);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/provider "local": the server rejected response_format json_schema \(HTTP 400: .*not supported.*\); asking for json_object instead/);
    expect(run.trace.tallies["judge.scored"]).toBe(CALLS);
  });

  test("the fallback does not change the memo keys: the next build (a new provider) is served from the memo", async () => {
    const memo = memoryMemo();
    const first = await rig({ reply: goodJudge, formats: JSON_OBJECT_ONLY });
    expect(warningsOf(await first.judge(memo))).toHaveLength(1);
    first.server.reset();
    const second = await rig({ reply: goodJudge, server: first.server });
    const run = await second.judge(memo);
    expect(second.server.requestCount).toBe(0);
    expect(warningsOf(run)).toEqual([]);
  });

  test("a server that rejects every response_format: the call fails with the 400 and says to use structuredOutput: none", async () => {
    const { server, judge } = await rig({ reply: goodJudge, formats: NO_RESPONSE_FORMAT });
    const err = await judge().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    const d = (err as DpoError).diagnostics[0]!;
    expect(d.message).toMatch(/chat call failed: HTTP 400: .*json_object.*not supported/);
    expect(d.hint).toMatch(/structuredOutput: none/);
    expect(formatsSent(server)).toEqual(["json_schema", "json_object"]); // json_schema once, not on every call
  });
});

describe("structuredOutput: json_object and none", () => {
  test("none: no response_format is sent, and the server's plain text reaches the judge (unscored after a repair)", async () => {
    const { server, judge } = await rig({ reply: plainText, provider: { structuredOutput: "none" } });
    const run = await judge(memoryMemo(), { maxUnscored: 1 });
    expect(formatsSent(server)).toEqual(Array(2 * CALLS).fill("none"));
    expect(server.requests.every((b) => !("response_format" in b))).toBe(true);
    expect(run.trace.tallies["judge.unscored"]).toBe(CALLS);
  });

  test("none works against a server that rejects every response_format", async () => {
    const { server, judge } = await rig({ reply: goodJudge, formats: NO_RESPONSE_FORMAT, provider: { structuredOutput: "none" } });
    const run = await judge();
    expect(server.requestCount).toBe(CALLS);
    expect(run.trace.tallies["judge.scored"]).toBe(CALLS);
  });

  test("json_object: asks for a JSON object (the server wraps plain text in one, which the judge cannot score)", async () => {
    const { server, judge } = await rig({ reply: plainText, provider: { structuredOutput: "json_object" } });
    const run = await judge(memoryMemo(), { maxUnscored: 1 });
    expect(formatsSent(server)).toEqual(Array(2 * CALLS).fill("json_object"));
    expect(JSON.parse(judgements(run)[0]!.unscored.match(/last reply: (".*")$/)[1])).toMatch(/^\{"text":/);
  });

  test("the setting is part of what is asked: changing it asks again instead of reusing the memo", async () => {
    const memo = memoryMemo();
    const asObject = await rig({ reply: goodJudge, provider: { structuredOutput: "json_object" } });
    await asObject.judge(memo);
    const server = asObject.server;
    server.reset();
    await (await rig({ reply: goodJudge, server })).judge(memo);
    expect(server.requestCount).toBe(CALLS);
    server.reset();
    await (await rig({ reply: goodJudge, server })).judge(memo);
    expect(server.requestCount).toBe(0);
  });

  test("the setting takes the three values, and nothing else", () => {
    for (const value of ["json_schema", "json_object", "none"]) expect(validate(openai.schema, { type: "openai", baseUrl: "http://x/v1", structuredOutput: value }).valid).toBe(true);
    expect(validate(openai.schema, { type: "openai", baseUrl: "http://x/v1", structuredOutput: "grammar" }).valid).toBe(false);
  });
});

describe("strictSchema", () => {
  test("closes every object, requires every property, drops keywords strict mode rejects", () => {
    const loose = {
      type: "object",
      properties: {
        a: { type: "string", minLength: 1, pattern: "^x", format: "email" },
        b: { type: "array", minItems: 1, items: { type: "object", properties: { c: { type: "number", minimum: 0 } } } },
        d: { anyOf: [{ type: "integer", minimum: 0, maximum: 1000 }, { type: "null" }] },
        e: { type: "integer", minimum: -1, maximum: 1 },
      },
      required: ["a"],
      additionalProperties: true,
      default: {},
    };
    const strict = strictSchema(loose);
    expect(strictViolations(strict)).toEqual([]);
    expect(strict).toEqual({
      type: "object",
      properties: {
        a: { type: "string" },
        b: { type: "array", items: { type: "object", properties: { c: { type: "number" } }, required: ["c"], additionalProperties: false } },
        d: { anyOf: [{ type: "integer" }, { type: "null" }] }, // too wide a range for an enum
        e: { type: "integer", enum: [-1, 0, 1] },
      },
      required: ["a", "b", "d", "e"],
      additionalProperties: false,
    });
    expect(strictViolations(loose).length).toBeGreaterThan(0); // the checker below does catch a loose schema
  });
});

/** What OpenAI's strict mode would reject in a schema: open objects, optional properties, unsupported keywords. */
function strictViolations(schema: any, at = "#"): string[] {
  const allowed = new Set(["type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "description", "$defs", "$ref"]);
  const out = Object.keys(schema).filter((k) => !allowed.has(k)).map((k) => `${at}: unsupported keyword ${k}`);
  if (schema.type === "object") {
    if (schema.additionalProperties !== false) out.push(`${at}: additionalProperties is not false`);
    const keys = Object.keys(schema.properties ?? {});
    if (JSON.stringify([...(schema.required ?? [])].sort()) !== JSON.stringify([...keys].sort())) out.push(`${at}: not every property is required`);
  }
  for (const [k, s] of Object.entries(schema.properties ?? {})) out.push(...strictViolations(s, `${at}/properties/${k}`));
  if (schema.items) out.push(...strictViolations(schema.items, `${at}/items`));
  for (const [i, s] of (schema.anyOf ?? []).entries()) out.push(...strictViolations(s, `${at}/anyOf/${i}`));
  return out;
}
