/**
 * One key and secret policy for stages and providers: `dpo: secret` and
 * `dpo: tuning` values never enter a stage key, and a secret never reaches
 * anything written under the project.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { build as buildProject } from "../../src/engine/build.js";
import { loadConfig, type ProjectConfig } from "../../src/engine/config/load.js";
import { memoryMemo } from "../../src/engine/memo.js";
import { createRedactor } from "../../src/engine/redact.js";
import { createReporter } from "../../src/engine/reporter.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { builtinProviders } from "../../src/providers/index.js";
import { createRegistry } from "../../src/engine/registry.js";
import { project, yaml } from "../config/helpers.js";

const registry = createRegistry(builtinPlugins, builtinProviders);

const tokenPlugin = `export default {
  name: "local/token", version: "1", description: "uses a token",
  schema: { type: "object", additionalProperties: false, required: ["token"], properties: {
    token: { type: "string", dpo: "secret", description: "an API token" },
    workers: { type: "integer", dpo: "tuning", default: 2, description: "how many at once" },
    greeting: { type: "string", default: "hi", description: "what to say" },
  } },
  run: (ctx) => [{ id: "a", text: ctx.with.greeting, tokenLength: ctx.with.token.length }],
};
`;

const config = yaml("version: 1", "project: p", "stages:", "  t:", "    uses: ./plugins/token.mjs", "    with:", "      token: ${TOKEN}", "      workers: ${WORKERS:-2}");

async function loaded(root: string, env: Record<string, string>): Promise<ProjectConfig> {
  const r = await loadConfig({ root, registry, env });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

/** One in-process build of every stage; returns each stage's status. */
async function build(c: ProjectConfig): Promise<Record<string, string>> {
  const sink = new PassThrough().resume();
  const reporter = createReporter({ out: sink, err: sink, redact: createRedactor(c.secrets), quiet: true });
  const result = await buildProject(c, { targets: [], mode: "build", wait: false, jobs: 1, signal: new AbortController().signal, reporter, memo: memoryMemo() });
  reporter.close();
  return Object.fromEntries(result.outcomes.map((o) => [o.stage, o.status]));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as any).path, e.name));
}

describe("stage keys and secrets", () => {
  test("a stage's `dpo: secret` value is written nowhere under the project, and changing it does not re-run the stage", async () => {
    const root = await project({ "plugins/token.mjs": tokenPlugin, "dpo.config.yaml": config });
    expect(await build(await loaded(root, { TOKEN: "tok-first-secret" }))).toEqual({ t: "ran" });
    for (const f of [...(await filesUnder(join(root, "cache"))), ...(await filesUnder(join(root, "out"))), join(root, "dpo.lock")]) {
      expect((await readFile(f)).includes("tok-first-secret"), f).toBe(false);
    }
    expect(await build(await loaded(root, { TOKEN: "tok-second-secret" }))).toEqual({ t: "cached" });
  });

  test("a stage's `dpo: tuning` knob does not enter its key", async () => {
    const root = await project({ "plugins/token.mjs": tokenPlugin, "dpo.config.yaml": config });
    const first = await loaded(root, { TOKEN: "tok-secret-value" });
    expect(await build(first)).toEqual({ t: "ran" });
    const retuned = await loaded(root, { TOKEN: "tok-secret-value", WORKERS: "7" });
    expect(retuned.stages.t!.with.workers).toBe(7);
    expect(await build(retuned)).toEqual({ t: "cached" });
  });

  test("the keyed value leaves out secret and tuning pointers, for stages and providers alike", async () => {
    const root = await project({
      "plugins/token.mjs": tokenPlugin,
      "dpo.config.yaml": yaml(
        "version: 1",
        "project: p",
        "providers:",
        "  llm: { type: openai, baseUrl: 'http://127.0.0.1:1/v1', apiKey: sk-provider-secret, maxConcurrency: 3 }",
        "stages:",
        "  t:",
        "    uses: ./plugins/token.mjs",
        "    with: { token: tok-stage-secret, workers: 5 }",
      ),
    });
    const c = await loaded(root, {});
    const t = c.stages.t!;
    expect(t.with).toEqual({ token: "tok-stage-secret", workers: 5, greeting: "hi" });
    expect(t.keyed).toEqual({ greeting: "hi" });
    expect(c.providers.llm!.identity.config).not.toHaveProperty("maxConcurrency");
    expect(c.providers.llm!.identity.config).not.toHaveProperty("apiKey");
    expect(c.secrets).toEqual(["sk-provider-secret", "tok-stage-secret"]);
  });

  test("the concurrency of generate/llm and judge/rubric is a tuning knob, like a provider's maxConcurrency", async () => {
    const schemaOf = async (name: string) => (await builtinPlugins[name]!()).schema as { properties: Record<string, { dpo?: string }> };
    expect((await schemaOf("generate/llm")).properties.concurrency!.dpo).toBe("tuning");
    expect((await schemaOf("judge/rubric")).properties.concurrency!.dpo).toBe("tuning");
  });
});
