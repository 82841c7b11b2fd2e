/**
 * command/run's `env: [NAME, …]`: the listed variables reach the command from
 * dpo's environment (or the project's `.env`), and their values key the stage
 * through the engine's `dpo: "env"` mark — secret-looking names excepted.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withEnvFile } from "../../src/cli/load-project.js";
import { loadProjectConfig } from "../../src/engine/config/compiled.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { reasonsOf } from "../../src/engine/executor/outcome.js";
import { createRegistry } from "../../src/engine/registry.js";
import commandRun from "../../src/plugins/command/run.js";
import type { Harness } from "../support/harness.js";
import { commandHarness, commandProject, fakeExport, PROBE_SCRIPT, runsOf } from "./helpers.js";

const TOKEN = "hf_test_0123456789abcdefSECRET";

const stage = (env: string) => `  probe:
    uses: command/run
    needs: export
    with:
      command: sh scripts/probe.sh {dir} {iteration}
      metrics: metrics.json
      env: ${env}
`;

const SCRIPT = PROBE_SCRIPT + 'echo "EPOCHS=$EPOCHS"\n[ -n "$HF_TOKEN" ] && echo "token $HF_TOKEN (length ${#HF_TOKEN})"\nexit 0\n';

let h: Harness;
afterEach(() => h?.remove());

describe("command/run env: [NAME, …]", () => {
  it("passes the listed variables on and re-runs when one's value changes, not when an unlisted one does", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(stage("[EPOCHS]")), "scripts/probe.sh": SCRIPT });
    const first = await h.build("build", { env: { EPOCHS: "2" } });
    expect(first.stage.probe!.status).toBe("ran");
    expect(h.read("out/iter-a/probe.log")).toContain("EPOCHS=2\n");

    const same = await h.build("build", { env: { EPOCHS: "2", UNLISTED: "a" } });
    expect(same.stage.probe!.status).toBe("cached");
    const unlisted = await h.build("build", { env: { EPOCHS: "2", UNLISTED: "b" } });
    expect(unlisted.stage.probe!.status).toBe("cached");
    expect(runsOf(h)).toEqual(["iter-a", "iter-b"]);

    const changed = await h.build("build", { env: { EPOCHS: "3" } });
    expect(changed.stage.probe!.status).toBe("ran");
    // Each iteration's run is memoised: the new value must reach its memo key too, not only the stage key.
    expect(runsOf(h)).toEqual(["iter-a", "iter-b", "iter-a", "iter-b"]);
    expect(h.read("out/iter-a/probe.log")).toContain("EPOCHS=3\n");
    expect(reasonsOf(changed.stage.probe!)).toEqual(["environment variable EPOCHS changed value"]);

    const unset = await h.build("dry-run", { env: {} });
    expect(reasonsOf(unset.stage.probe!)).toEqual(["environment variable EPOCHS is no longer set"]);
  });

  it("reads a listed variable from the project's .env, under the real environment", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(stage("[EPOCHS]")), "scripts/probe.sh": SCRIPT, ".env": "EPOCHS=5\n" });
    await h.build("build", { env: withEnvFile(h.dir, {}) });
    expect(h.read("out/iter-a/probe.log")).toContain("EPOCHS=5\n");
    h.write(".env", "EPOCHS=6\n");
    const b = await h.build("build", { env: withEnvFile(h.dir, {}) });
    expect(b.stage.probe!.status).toBe("ran");
    expect(h.read("out/iter-a/probe.log")).toContain("EPOCHS=6\n");
    const over = await h.build("build", { env: withEnvFile(h.dir, { EPOCHS: "7" }) });
    expect(over.stage.probe!.status).toBe("ran");
    expect(h.read("out/iter-a/probe.log")).toContain("EPOCHS=7\n");
  });

  it("passes a secret-named variable on, redacted in the log, never keyed or stored: rotating it re-runs nothing", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(stage("[EPOCHS, HF_TOKEN]")), "scripts/probe.sh": SCRIPT });
    const first = await h.build("build", { env: { EPOCHS: "1", HF_TOKEN: TOKEN } });
    expect(first.stage.probe!.status).toBe("ran");
    expect(h.read("out/iter-a/probe.log")).toContain(`token *** (length ${TOKEN.length})`);

    const rotated = await h.build("build", { env: { EPOCHS: "1", HF_TOKEN: `${TOKEN}-rotated` } });
    expect(rotated.stage.probe!.status).toBe("cached");
    const changed = await h.build("build", { env: { EPOCHS: "2", HF_TOKEN: TOKEN } });
    expect(changed.stage.probe!.status).toBe("ran");
    expect(reasonsOf(changed.stage.probe!).join("\n")).not.toContain(TOKEN);

    const stored = [...filesUnder(h.dir).map((f) => readFileSync(f, "utf8")), ...[...h.memo.keys()].map((k) => JSON.stringify(h.memo.get(k)))];
    expect(stored.length).toBeGreaterThan(5);
    for (const text of stored) expect(text).not.toContain(TOKEN.slice(0, 16));
  });

  it("still takes a map name → value, for defaults", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(stage('{ EPOCHS: "${EPOCHS:-1}" }')), "scripts/probe.sh": SCRIPT });
    await h.build("build", { env: {} });
    expect(h.read("out/iter-a/probe.log")).toContain("EPOCHS=1\n");
    const b = await h.build("build", { env: { EPOCHS: "4" } });
    expect(b.stage.probe!.status).toBe("ran");
    expect(h.read("out/iter-a/probe.log")).toContain("EPOCHS=4\n");
  });

  it("recompiles the compiled config when a listed variable changes, and never compiles one holding a listed secret", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(stage("[EPOCHS, HF_TOKEN]")) });
    const registry = createRegistry({ "test/iterations": async () => fakeExport, "command/run": async () => commandRun }, {});
    let loads = 0;
    const load = (env: Record<string, string>) =>
      loadProjectConfig({ root: h.dir, registry, env, stamp: "test", load: () => (loads++, loadConfig({ root: h.dir, registry, env })) });
    expect((await load({ EPOCHS: "2" })).stages.probe!.env).toEqual({ EPOCHS: "2", HF_TOKEN: null });
    expect((await load({ EPOCHS: "2" })).stages.probe!.env).toEqual({ EPOCHS: "2", HF_TOKEN: null });
    expect(loads).toBe(1);
    expect((await load({ EPOCHS: "3" })).stages.probe!.env).toEqual({ EPOCHS: "3", HF_TOKEN: null });
    expect(loads).toBe(2);
    const withToken = await load({ EPOCHS: "3", HF_TOKEN: TOKEN });
    expect(withToken.stages.probe!.env).toEqual({ EPOCHS: "3", HF_TOKEN: TOKEN });
    expect(withToken.secrets).toContain(TOKEN);
    expect(loads).toBe(3);
    for (const f of filesUnder(h.dir)) expect(readFileSync(f, "utf8"), f).not.toContain(TOKEN);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath ?? d.path, d.name));
}
