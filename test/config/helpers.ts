/** Temp projects with real YAML and a registry of tiny fake plugins. */
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadConfig } from "../../src/engine/config/load.js";
import type { Diagnostic } from "../../src/engine/diagnostic.js";
import { definePlugin } from "../../src/engine/plugin.js";
import { defineProvider } from "../../src/engine/provider.js";
import { createRegistry } from "../../src/engine/registry.js";

export const lines = definePlugin({
  name: "source/lines",
  version: "1",
  description: "test source",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["path"],
    properties: {
      path: { type: "string", dpo: "file", description: "input" },
      limit: { type: "integer", minimum: 1, default: 10, description: "max lines" },
    },
  },
  run: () => [],
});

export const judge = definePlugin({
  name: "llm/judge",
  version: "1",
  description: "test judge",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["provider"],
    properties: {
      provider: { type: "string", dpo: "provider", description: "llm" },
      rubric: { type: "string", dpo: "file", description: "rubric file" },
      extra: { type: "array", items: { type: "string", dpo: "file" }, default: [], description: "more files" },
      options: {
        type: "object",
        additionalProperties: false,
        default: {},
        description: "knobs",
        properties: {
          temperature: { type: "number", minimum: 0, maximum: 2, default: 0, description: "t" },
          mode: { enum: ["pairwise", "pointwise"], default: "pairwise", description: "m" },
        },
      },
    },
  },
  run: () => [],
});

export const pairs = definePlugin({
  name: "pairs/build",
  version: "1",
  description: "test pairs",
  schema: { type: "object", additionalProperties: false, properties: {} },
  run: () => [],
});

export const openai = defineProvider({
  type: "openai",
  version: "3",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["model"],
    properties: {
      model: { type: "string", description: "model" },
      baseUrl: { type: "string", default: "http://127.0.0.1:1", description: "url" },
      apiKey: { type: "string", dpo: "secret", description: "key" },
      maxConcurrency: { type: "integer", dpo: "tuning", default: 8, description: "how many calls at once" },
    },
  },
  create: () => ({}),
});

export const registry = createRegistry(
  { "source/lines": async () => lines, "llm/judge": async () => judge, "pairs/build": async () => pairs },
  { openai: async () => openai },
);

/** A temp project with the given files (the config under `dpo.config.yaml`). */
export async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "dpo-config-"));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  return root;
}

/** YAML from lines, so tests can count line numbers. */
export const yaml = (...ls: string[]) => ls.join("\n") + "\n";

export async function load(files: Record<string, string>, env: Record<string, string> = {}) {
  const root = await project(files);
  return { root, result: await loadConfig({ root, registry, env }) };
}

/** The diagnostics of a failed load, as `line:column message` strings plus the raw list. */
export async function failures(files: Record<string, string>, env: Record<string, string> = {}): Promise<Diagnostic[]> {
  const { result } = await load(files, env);
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.error;
}

export const brief = (d: Diagnostic) => `${d.location?.line}:${d.location?.column} ${d.message}`;
