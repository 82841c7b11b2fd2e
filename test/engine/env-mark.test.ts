/** The `dpo: "env"` schema mark, for any plugin: the named variable's value keys the stage and reaches `ctx.env`. */
import { afterEach, describe, expect, it } from "vitest";
import { reasonsOf } from "../../src/engine/executor/outcome.js";
import { definePlugin } from "../../src/engine/plugin.js";
import { Harness } from "../support/harness.js";

const seen: Record<string, string>[] = [];
const echoEnv = definePlugin<{ variable: string }>({
  name: "test/echo-env",
  version: "1",
  description: "yields ctx.env",
  schema: { type: "object", additionalProperties: false, required: ["variable"], properties: { variable: { type: "string", dpo: "env", description: "a variable" } } },
  run(ctx) {
    seen.push({ ...ctx.env });
    return [{ id: "env", names: Object.keys(ctx.env) }];
  },
});

const config = (variable: string) => `version: 1\nproject: t\nstages:\n  echo:\n    uses: test/echo-env\n    with: { variable: ${variable} }\n`;

let h: Harness;
afterEach(() => h?.remove());

describe('dpo: "env"', () => {
  it("gives the plugin the value of the variable a plain string names, and keys the stage on it", async () => {
    seen.length = 0;
    h = new Harness({ "dpo.config.yaml": config("LEVEL") }, { "test/echo-env": echoEnv });
    expect((await h.build("build", { env: { LEVEL: "1", OTHER: "x" } })).stage.echo!.status).toBe("ran");
    expect(seen).toEqual([{ LEVEL: "1" }]);
    expect((await h.build("build", { env: { LEVEL: "1", OTHER: "y" } })).stage.echo!.status).toBe("cached");
    const changed = await h.build("build", { env: { LEVEL: "2" } });
    expect(reasonsOf(changed.stage.echo!)).toEqual(["environment variable LEVEL changed value"]);
    expect(seen).toEqual([{ LEVEL: "1" }, { LEVEL: "2" }]);
  });

  it("keeps a secret-looking variable out of the key and the lock, and names neither it nor its value", async () => {
    seen.length = 0;
    h = new Harness({ "dpo.config.yaml": config("API_KEY") }, { "test/echo-env": echoEnv });
    await h.build("build", { env: { API_KEY: "sk-one-0123456789" } });
    expect((await h.build("build", { env: { API_KEY: "sk-two-0123456789" } })).stage.echo!.status).toBe("cached");
    expect(seen).toEqual([{ API_KEY: "sk-one-0123456789" }]);
    expect(h.read("dpo.lock")).not.toContain("sk-one");
  });

  it("leaves the key of a stage without the mark as it was (no `env` in its fingerprint)", async () => {
    h = new Harness({ "dpo.config.yaml": "version: 1\nproject: t\nstages:\n  a:\n    uses: test/items\n" });
    const b = await h.build();
    expect(b.stage.a!.status === "ran" && "env" in b.stage.a!.fingerprint).toBe(false);
  });
});
