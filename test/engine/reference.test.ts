import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configReference } from "../../src/cli/reference.js";
import { builtinPlugins } from "../../src/plugins/index.js";

describe("docs/config-reference.md", () => {
  it("is exactly what the plugins' schemas generate (run `npm run docs` after changing a schema)", async () => {
    const committed = readFileSync(new URL("../../docs/config-reference.md", import.meta.url), "utf8");
    expect(committed).toBe(await configReference());
  });

  it("documents every option of every built-in plugin", async () => {
    const text = await configReference();
    for (const name of Object.keys(builtinPlugins)) {
      const plugin = await builtinPlugins[name]!();
      expect(text).toContain(`### \`${name}\``);
      for (const key of Object.keys((plugin.schema.properties ?? {}) as object)) expect(text).toContain(`| \`${key}\``);
    }
  });
});
