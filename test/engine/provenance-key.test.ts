/**
 * A plugin whose output names every stage's plugin@version (`provenance:
 * true`, like export/iterations' provenance.json) is keyed by them: bumping an
 * upstream plugin re-runs it even when the upstream output is unchanged.
 */
import { afterEach, describe, expect, test } from "vitest";
import { definePlugin, type Plugin } from "../../src/engine/plugin.js";
import { Harness } from "../support/harness.js";

const source = (version: string): Plugin =>
  definePlugin({ name: "test/source", version, description: "the same two records at every version", schema: { type: "object" }, run: () => [{ id: "a" }, { id: "b" }] });

const provenance = (names: boolean): Plugin =>
  definePlugin({
    name: "test/provenance",
    version: "1",
    description: "publishes the stages' plugins",
    schema: { type: "object" },
    ...(names ? { provenance: true } : {}),
    run: (ctx) => [{ id: "p", plugins: ctx.stagePlugins }],
  });

const CONFIG = `version: 1
project: provenance
seed: 1
stages:
  src: { uses: test/source }
  prov: { uses: test/provenance, needs: src }
`;

let harnesses: Harness[] = [];
afterEach(() => {
  for (const h of harnesses) h.remove();
  harnesses = [];
});

async function twoBuilds(names: boolean) {
  const first = new Harness({ "dpo.config.yaml": CONFIG }, { "test/source": source("1"), "test/provenance": provenance(names) });
  harnesses.push(first);
  await first.build();
  // The same project, the source plugin bumped: its output is identical.
  return first.withPlugins({ "test/source": source("2"), "test/provenance": provenance(names) }).build();
}

describe("provenance in the key", () => {
  test("a provenance plugin re-runs when another stage's plugin version changes, and its output names the new one", async () => {
    const b = await twoBuilds(true);
    expect(b.stage.src!.status).toBe("ran");
    expect(b.stage.prov!.status).toBe("ran");
    expect((b.stage.prov as { reasons?: string[] }).reasons?.join(" ")).toMatch(/stage "src" runs test\/source@2 \(was test\/source@1\)/);
  });

  test("a plugin that does not name them stays cached: the upstream output is unchanged", async () => {
    const b = await twoBuilds(false);
    expect(b.stage.src!.status).toBe("ran");
    expect(b.stage.prov!.status).toBe("cached");
  });
});
