/**
 * "Stays inside the project" is decided on real paths: a symbolic link inside
 * the project that leads out of it is refused for reading (datasets, rubrics,
 * files a plugin reads itself), for writing (out/ and the folders in it) and
 * for importing (project-local plugins), before anything outside is touched.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError, type Diagnostic } from "../../src/engine/diagnostic.js";
import { definePlugin } from "../../src/engine/plugin.js";
import { createRegistry } from "../../src/engine/registry.js";
import judgeRubric from "../../src/plugins/judge/rubric.js";
import { Harness, lines } from "../support/harness.js";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** A folder outside any project, holding `files`. */
function outside(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "dpo-outside-"));
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(dir, rel), text);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function harness(files: Record<string, string>, extra = {}): Harness {
  const h = new Harness(files, extra);
  cleanup.push(() => h.remove());
  return h;
}

async function loadErrors(h: Harness, plugins = {}): Promise<Diagnostic[]> {
  const loaded = await loadConfig({ root: h.dir, registry: createRegistry(plugins, {}), env: {} });
  if (loaded.ok) throw new Error("expected the config to be rejected");
  return loaded.error;
}

const config = (...stageLines: string[]) => ["version: 1", "project: p", "stages:", ...stageLines].join("\n") + "\n";

const readsFile = definePlugin<{ file: string }>({
  name: "test/reads",
  version: "1",
  description: "reads an undeclared project file itself",
  schema: { type: "object", additionalProperties: false, required: ["file"], properties: { file: { type: "string", description: "any file" } } },
  async run(ctx) {
    return [{ id: "x", text: (await ctx.readFile(ctx.with.file)).toString() }];
  },
});

describe("reading through a symbolic link that leaves the project", () => {
  test("a dataset linked to a file outside is a config error at its `with` entry", async () => {
    const away = outside({ "data.jsonl": lines(2) });
    const h = harness({ "dpo.config.yaml": config("  a:", "    uses: test/items", "    with: { path: data/in.jsonl }") });
    mkdirSync(h.path("data"));
    symlinkSync(join(away, "data.jsonl"), h.path("data/in.jsonl"));
    const err = await h.build().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).diagnostics).toEqual([
      expect.objectContaining({
        message: "file `data/in.jsonl` is a symbolic link (or lies in a linked folder) leading outside the project",
        location: expect.objectContaining({ file: "dpo.config.yaml", line: 6, column: 19 }),
      }),
    ]);
    expect(h.activity.runs).toEqual({});
  });

  test("a rubric linked outside is refused before it is read: its content is never quoted", async () => {
    const away = outside({ hostname: "SECRET-HOST-NAME\n" });
    const h = harness({
      "dpo.config.yaml": config("  judge:", "    uses: judge/rubric", "    with: { rubric: rubrics/r.yaml, judges: [{ id: o, type: offline }] }"),
    });
    mkdirSync(h.path("rubrics"));
    symlinkSync(join(away, "hostname"), h.path("rubrics/r.yaml"));
    const errs = await loadErrors(h, { "judge/rubric": async () => judgeRubric });
    expect(errs.map((d) => d.message)).toContain("file `rubrics/r.yaml` is a symbolic link (or lies in a linked folder) leading outside the project");
    expect(JSON.stringify(errs)).not.toContain("SECRET-HOST-NAME");
  });

  test("a file in a linked folder counts as outside too", async () => {
    const away = outside({ "in.jsonl": lines(1) });
    const h = harness({ "dpo.config.yaml": config("  a:", "    uses: test/items", "    with: { path: data/in.jsonl }") });
    symlinkSync(away, h.path("data"));
    const err = await h.build().catch((e: unknown) => e);
    expect((err as DpoError).diagnostics.map((d) => d.message)).toEqual([
      "file `data/in.jsonl` is a symbolic link (or lies in a linked folder) leading outside the project",
    ]);
  });

  test("ctx.readFile refuses a link leading outside, at the `with` entry naming it", async () => {
    const away = outside({ secret: "SECRET" });
    const h = harness({ "dpo.config.yaml": config("  a:", "    uses: test/reads", "    with: { file: notes.txt }") }, { "test/reads": readsFile });
    symlinkSync(join(away, "secret"), h.path("notes.txt"));
    const b = await h.build();
    const a = b.stage.a!;
    if (a.status !== "failed") throw new Error(`a is ${a.status}`);
    expect(a.diagnostics).toEqual([
      expect.objectContaining({
        message: 'stage "a": path "notes.txt" is a symbolic link (or lies in a linked folder) leading outside the project',
        location: expect.objectContaining({ line: 6, column: 19 }),
      }),
    ]);
    expect(JSON.stringify(a.diagnostics)).not.toContain("SECRET");
  });

  test("a link that stays inside the project is followed as before", async () => {
    const h = harness({ "dpo.config.yaml": config("  a:", "    uses: test/items", "    with: { path: data/in.jsonl }"), "real/in.jsonl": lines(2) });
    mkdirSync(h.path("data"));
    symlinkSync(h.path("real/in.jsonl"), h.path("data/in.jsonl"));
    const b = await h.build();
    expect(b.stage.a!.status).toBe("ran");
  });
});

describe("writing out/ through a symbolic link that leaves the project", () => {
  test("an out/reports link to a folder outside makes the stage fail and writes nothing there", async () => {
    const away = outside();
    const h = harness({
      "dpo.config.yaml": config("  a:", "    uses: test/items", "    with: { path: in.jsonl, publish: reports/texts.txt }"),
      "in.jsonl": lines(2),
    });
    mkdirSync(h.path("out"));
    symlinkSync(away, h.path("out/reports"));
    const b = await h.build();
    const a = b.stage.a!;
    if (a.status !== "failed") throw new Error(`a is ${a.status}`);
    expect(a.diagnostics[0]!.message).toBe('stage "a": refusing to write out/reports/texts.txt: a symbolic link on the way leads outside out/');
    expect(readdirSync(away)).toEqual([]);
    // Cached the next time, and refused the same way.
    const again = await h.build();
    expect(again.stage.a!.status).toBe("failed");
    expect(readdirSync(away)).toEqual([]);
  });

  test("out/ itself may be a link (outputs on another volume); a link inside it that leaves it is refused", async () => {
    const away = outside();
    const elsewhere = outside();
    const h = harness({
      "dpo.config.yaml": config("  a:", "    uses: test/items", "    with: { path: in.jsonl, publish: reports/texts.txt }"),
      "in.jsonl": lines(1),
    });
    symlinkSync(away, h.path("out"));
    expect((await h.build()).stage.a!.status).toBe("ran");
    expect(readdirSync(join(away, "reports"))).toEqual(["texts.txt"]);
    rmSync(join(away, "reports"), { recursive: true });
    symlinkSync(elsewhere, join(away, "reports"));
    h.write("in.jsonl", lines(2));
    expect((await h.build()).stage.a!.status).toBe("failed");
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe("project-local plugins outside the project", () => {
  const evil = (marker: string) => `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nexport default { name: "x", version: "1", schema: {}, run: () => [] };\n`;

  test("`uses: ../outside/evil.js` is refused at `uses`, without running the module", async () => {
    const away = outside();
    const marker = join(away, "ran.txt");
    writeFileSync(join(away, "evil.js"), evil(marker));
    const h = harness({ "dpo.config.yaml": config("  a:", `    uses: ../${away.split("/").pop()}/evil.js`) });
    // The project and the outside folder are siblings in the temp dir.
    expect(join(h.dir, "..", away.split("/").pop()!)).toBe(away);
    const errs = await loadErrors(h);
    expect(errs).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^plugin file `\.\.\/dpo-outside-\w+\/evil\.js` lies outside the project/),
        location: expect.objectContaining({ line: 5, column: 11 }),
      }),
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  test("a plugin in a folder linked to outside is refused too, without running it", async () => {
    const away = outside();
    const marker = join(away, "ran.txt");
    writeFileSync(join(away, "evil.js"), evil(marker));
    const h = harness({ "dpo.config.yaml": config("  a:", "    uses: ./plugins/evil.js") });
    symlinkSync(away, h.path("plugins"));
    const errs = await loadErrors(h);
    expect(errs.map((d) => [d.message, d.location?.line, d.location?.column])).toEqual([
      ["plugin file `./plugins/evil.js` is a symbolic link (or lies in a linked folder) leading outside the project; project-local plugins must be inside it", 5, 11],
    ]);
    expect(existsSync(marker)).toBe(false);
  });
});
