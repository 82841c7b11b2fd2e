import { afterEach, describe, expect, it } from "vitest";
import { itemPlugin, summary, TempProject, waitForLines } from "../support/project.js";

const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.remove();
});

function project(files: Record<string, string>): TempProject {
  const p = new TempProject({ "plugins/items.js": itemPlugin, ...files });
  projects.push(p);
  return p;
}

const lines = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${String(i + from).padStart(4, "0")}`, text: `item ${i + from}` })).join("\n") + "\n";

/** a → b → c, and d independent of them. */
const chainConfig = `version: 1
project: chain
seed: 7
stages:
  a:
    uses: ./plugins/items.js
    with: { path: data/a.jsonl }
  b:
    uses: ./plugins/items.js
    needs: a
    with: { suffix: "-b" }
  c:
    uses: ./plugins/items.js
    needs: [b]
    with: { suffix: "-c" }
  d:
    uses: ./plugins/items.js
    with: { path: data/d.jsonl }
`;


describe("dpo build", () => {
  it("builds a graph, then a no-op rebuild runs nothing and leaves dpo.lock untouched", async () => {
    const p = project({ "dpo.config.yaml": chainConfig, "data/a.jsonl": lines(5), "data/d.jsonl": lines(3, 100) });
    const first = await p.run(["build"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const s = summary(first.stdout);
    expect(Object.values(s).map((x) => x.status)).toEqual(["ran", "ran", "ran", "ran"]);
    expect(s.c!.records).toBe("5");
    const lock = p.read("dpo.lock");
    const second = await p.run(["build"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("nothing to do: all 4 stages are up to date");
    expect(p.read("dpo.lock")).toBe(lock);
    const out = await p.run(["show", "c", "-n", "2", "--json"]);
    expect(out.stdout.trim().split("\n").map((l) => JSON.parse(l).text)).toEqual(["item 0-b-c", "item 1-b-c"]);
  });

  it("--dry-run and status say what would run and why; --explain says why it ran", async () => {
    const p = project({ "dpo.config.yaml": chainConfig, "data/a.jsonl": lines(2), "data/d.jsonl": lines(2) });
    await p.run(["build"]);
    p.write("dpo.config.yaml", chainConfig.replace('suffix: "-c"', 'suffix: "-C"'));
    const r = await p.run(["build", "--dry-run"]);
    expect(r.stdout).toContain("a: up to date");
    expect(r.stdout).toContain("c: would run — config changed: with.suffix");
    const st = await p.run(["status"]);
    expect(st.stdout).toContain("1 of 4 stages are stale");
    const built = await p.run(["build", "--explain"]);
    expect(built.stdout).toContain("c: ran because config changed: with.suffix");
    expect(summary(built.stdout).c!.status).toBe("ran");
  });

});

describe("config errors", () => {
  it("reports every error with file:line:column, the source line and a suggestion, exit 2, no stack", async () => {
    const p = project({
      "dpo.config.yaml": `version: 1
project: broken
stages:
  a:
    uses: ./plugins/items.js
    neds: [b]
  b:
    uses: source/jsnol
`,
    });
    const r = await p.run(["build"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dpo.config.yaml:6:5: error: unknown key `neds`");
    expect(r.stderr).toContain("did you mean `needs`?");
    expect(r.stderr).toContain("dpo.config.yaml:8:11: error: unknown plugin `source/jsnol`");
    expect(r.stderr).toContain("did you mean `source/jsonl`?");
    expect(r.stderr).toContain("2 errors");
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  });

  it("names every stage of a cycle", async () => {
    const p = project({
      "dpo.config.yaml": `version: 1
project: cyclic
stages:
  a: { uses: ./plugins/items.js, needs: c }
  b: { uses: ./plugins/items.js, needs: a }
  c: { uses: ./plugins/items.js, needs: b }
`,
    });
    const r = await p.run(["build"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("stages `a`, `b`, `c` need each other in a cycle");
    expect(r.stderr).toContain("dpo.config.yaml:4:41: `a` needs `c`");
    expect(r.stderr).toContain("dpo.config.yaml:5:41: `b` needs `a`");
    expect(r.stderr).toContain("dpo.config.yaml:6:41: `c` needs `b`");
  });
});

describe("concurrency and crashes", () => {
  it("a second build waits for the first and neither corrupts the cache", async () => {
    const p = project({ "dpo.config.yaml": chainConfig.replace("{ path: data/a.jsonl }", "{ path: data/a.jsonl, delayMs: 20 }"), "data/a.jsonl": lines(30), "data/d.jsonl": lines(2) });
    const first = p.run(["build"]);
    await waitForLines(p, "progress-a.log", 2);
    const second = await p.run(["build"]);
    const one = await first;
    expect(one.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/another dpo build \(pid \d+\) is running in this project; waiting/);
    expect(second.stdout).toContain("nothing to do");
    expect((await p.run(["verify"])).code).toBe(0);
  });

  it("kill -9 mid-build loses no finished item, and the next build resumes", async () => {
    const p = project({ "dpo.config.yaml": chainConfig.replace("{ path: data/a.jsonl }", "{ path: data/a.jsonl, delayMs: 25 }"), "data/a.jsonl": lines(80), "data/d.jsonl": lines(1) });
    const child = p.spawn(["build"]);
    await waitForLines(p, "progress-a.log", 10);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const r = await p.run(["build"]);
    expect(r.code).toBe(0);
    const a = summary(r.stdout).a!;
    expect(a.status).toBe("ran");
    expect(a.hits).toBeGreaterThanOrEqual(10);
    expect(a.hits + a.misses).toBe(80);
    expect((await p.run(["build"])).stdout).toContain("nothing to do");
  });

  it("Ctrl-C (SIGINT) stops the build; finished items are kept", async () => {
    const p = project({ "dpo.config.yaml": chainConfig.replace("{ path: data/a.jsonl }", "{ path: data/a.jsonl, delayMs: 25 }"), "data/a.jsonl": lines(80), "data/d.jsonl": lines(1) });
    const child = p.spawn(["build"]);
    await waitForLines(p, "progress-a.log", 10);
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("close", r));
    expect(code).toBe(130);
    const s = summary((await p.run(["build"])).stdout);
    expect(s.a!.hits).toBeGreaterThanOrEqual(10);
    expect(s.a!.hits + s.a!.misses).toBe(80);
  });
});
