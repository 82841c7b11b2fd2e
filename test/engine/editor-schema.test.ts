/**
 * The editor schemas: committed copies are current, the example config and
 * rubric validate against them with a stock JSON Schema validator (as an
 * editor would), and typos are flagged where they are.
 */
import { readFileSync } from "node:fs";
import AjvModule from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { configEditorSchema, rubricEditorSchema } from "../../src/cli/editor-schema.js";

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const file = (rel: string) => readFileSync(new URL(`../../${rel}`, import.meta.url), "utf8");
const json = (s: unknown) => JSON.stringify(s, null, 2) + "\n";

async function validators() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return { config: ajv.compile(await configEditorSchema()), rubric: ajv.compile(rubricEditorSchema()) };
}

describe("editor schemas", () => {
  it("the committed dpo.schema.json and rubric.schema.json are what `dpo schema` prints", async () => {
    expect(file("dpo.schema.json")).toBe(json(await configEditorSchema()));
    expect(file("rubric.schema.json")).toBe(json(rubricEditorSchema()));
  });

  it("the example config, the init template and the starter rubric are valid, and name their schema", async () => {
    const v = await validators();
    for (const rel of ["dpo.config.yaml", "templates/init/dpo.config.yaml"]) {
      expect(v.config(parse(file(rel))), `${rel}: ${JSON.stringify(v.config.errors)}`).toBe(true);
      expect(file(rel).split("\n")[0]).toBe("# yaml-language-server: $schema=./dpo.schema.json");
    }
    expect(v.rubric(parse(file("rubrics/helpfulness.yaml"))), JSON.stringify(v.rubric.errors)).toBe(true);
    expect(file("rubrics/helpfulness.yaml").split("\n")[0]).toBe("# yaml-language-server: $schema=../rubric.schema.json");
  });

  it("flags a typo in a stage key, in a plugin's `with` block selected by `uses`, and in a rubric", async () => {
    const v = await validators();
    const config = parse(file("dpo.config.yaml"));
    config.stages.pairs.neds = config.stages.pairs.needs;
    expect(v.config(config)).toBe(false);
    expect(v.config.errors!.some((e) => e.instancePath === "/stages/pairs" && e.params.additionalProperty === "neds")).toBe(true);

    const withTypo = parse(file("dpo.config.yaml"));
    withTypo.stages.judge.with.rubirc = withTypo.stages.judge.with.rubric;
    expect(v.config(withTypo)).toBe(false);
    expect(v.config.errors!.some((e) => e.instancePath === "/stages/judge/with" && e.params.additionalProperty === "rubirc")).toBe(true);

    const rubric = parse(file("rubrics/helpfulness.yaml"));
    rubric.criteria[0].wieght = 2;
    expect(v.rubric(rubric)).toBe(false);
  });

  it("accepts `${VAR}` where a number is expected, since interpolation comes first", async () => {
    const v = await validators();
    const config = parse(file("dpo.config.yaml"));
    config.seed = "${SEED:-0}";
    expect(v.config(config), JSON.stringify(v.config.errors)).toBe(true);
    config.seed = "seven";
    expect(v.config(config)).toBe(false);
  });
});
