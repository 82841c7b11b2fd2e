/**
 * Secrets a config may carry beyond its secret fields: credentials inside a
 * URL, and values of secret variables interpolated where they do not belong.
 * Neither may reach a key, `cache/`, or a load-time error.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadProjectConfig } from "../../src/engine/config/compiled.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { projectPaths } from "../../src/engine/paths.js";
import { createRegistry } from "../../src/engine/registry.js";
import openai from "../../src/providers/openai.js";
import { judge, lines, project, yaml } from "./helpers.js";

const registry = createRegistry({ "source/lines": async () => lines, "llm/judge": async () => judge }, { openai: async () => openai });

const PASS = "pa55-Wq8zXv3k";
const QKEY = "qk-7Yt2mN9pLr";
const KEY = "sk-live-Zq8vK2mN4pL7xR9tB6";

const config = (provider: string[]) =>
  yaml(
    "version: 1",
    "project: secrets",
    "providers:",
    "  llm:",
    "    type: openai",
    ...provider.map((l) => `    ${l}`),
    "stages:",
    "  prompts:",
    "    uses: source/lines",
    "    with: { path: data/p.txt }",
    "  judge:",
    "    uses: llm/judge",
    "    needs: prompts",
    "    with: { provider: llm }",
  );

async function loadWith(provider: string[], env: Record<string, string> = {}) {
  const root = await project({ "data/p.txt": "hi\n", "dpo.config.yaml": config(provider) });
  return { root, result: await loadConfig({ root, registry, env }) };
}

describe("credentials in a base URL", () => {
  const url = (pass: string, key: string) => `baseUrl: "http://bob:${pass}@gw.example.com/v1?api-version=2024-06-01&api-key=${key}"`;

  test("are left out of the provider identity (so out of stage keys), and listed as secrets", async () => {
    const { result } = await loadWith([url(PASS, QKEY)]);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const identity = JSON.stringify(result.value.providers.llm!.identity);
    expect(identity).toContain("http://gw.example.com/v1?api-version=2024-06-01");
    expect(identity).not.toContain(PASS);
    expect(identity).not.toContain(QKEY);
    expect(result.value.secrets).toEqual(expect.arrayContaining([PASS, QKEY]));
    // What the provider is given still carries them, to send on the wire.
    expect(result.value.providers.llm!.config.baseUrl).toContain(PASS);
  });

  test("rotating them keeps the identity, so nothing re-runs", async () => {
    const a = await loadWith([url(PASS, QKEY)]);
    const b = await loadWith([url("rotated-Pass-99", "rotated-key-77")]);
    if (!a.result.ok || !b.result.ok) throw new Error("expected both to load");
    expect(b.result.value.providers.llm!.identity).toEqual(a.result.value.providers.llm!.identity);
  });

  test("a config holding them is never compiled to cache/config.json", async () => {
    const root = await project({ "data/p.txt": "hi\n", "dpo.config.yaml": config([url(PASS, QKEY)]) });
    const env = {};
    const loaded = await loadProjectConfig({ root, registry, env, stamp: "test", load: () => loadConfig({ root, registry, env }) });
    expect(loaded.secrets).toEqual(expect.arrayContaining([PASS, QKEY]));
    expect(existsSync(projectPaths(root).compiledConfig)).toBe(false);
    // A config without credentials is compiled, as before.
    const plain = await project({ "data/p.txt": "hi\n", "dpo.config.yaml": config(['baseUrl: "http://gw.example.com/v1"']) });
    await loadProjectConfig({ root: plain, registry, env, stamp: "test", load: () => loadConfig({ root: plain, registry, env }) });
    expect(existsSync(join(plain, "cache", "config.json"))).toBe(true);
  });
});

describe("load-time errors never show a secret variable's value", () => {
  const failed = async (provider: string[], env: Record<string, string>) => {
    const { result } = await loadWith(provider, env);
    if (result.ok) throw new Error("expected the config to be rejected");
    return JSON.stringify(result.error);
  };

  test.each([
    ["maxConcurrency", ['baseUrl: "http://gw.example.com/v1"', "maxConcurrency: ${OPENAI_API_KEY}"]],
    ["baseUrl", ["baseUrl: ${OPENAI_API_KEY}"]],
    ["headers", ['baseUrl: "http://gw.example.com/v1"', "headers: ${OPENAI_API_KEY}"]],
    ["timeoutMs (quoted)", ['baseUrl: "http://gw.example.com/v1"', 'timeoutMs: "${OPENAI_API_KEY}"']],
  ])("a secret-looking variable put into %s", async (_field, provider) => {
    const shown = await failed(provider, { OPENAI_API_KEY: KEY });
    expect(shown).toContain("***");
    expect(shown).not.toContain(KEY);
  });

  test("a variable a secret field names, also put into a field that rejects it", async () => {
    const provider = ['baseUrl: "http://gw.example.com/v1"', "apiKey: ${LLM}", "maxConcurrency: ${LLM}"];
    const shown = await failed(provider, { LLM: KEY });
    expect(shown).toContain("maxConcurrency");
    expect(shown).not.toContain(KEY);
  });

  test("values of other variables are still shown", async () => {
    const shown = await failed(['baseUrl: "http://gw.example.com/v1"', "maxConcurrency: ${CONCURRENCY}"], { CONCURRENCY: "lots-of-them" });
    expect(shown).toContain('found \\"lots-of-them\\"');
  });

  test("a secret variable's value interpolated into a field that accepts it is a secret at run time too", async () => {
    const { result } = await loadWith(['baseUrl: "http://gw.example.com/v1/${GATEWAY_TOKEN}"'], { GATEWAY_TOKEN: "tok-Zx81nQ3vW" });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value.secrets).toContain("tok-Zx81nQ3vW");
    expect(JSON.stringify(result.value.providers.llm!.identity)).not.toContain("tok-Zx81nQ3vW");
  });
});
