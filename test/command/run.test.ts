import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "../support/harness.js";
import { commandHarness, commandProject, PROBE_SCRIPT, runsOf } from "./helpers.js";

const PROBE = `  probe:
    uses: command/run
    needs: export
    with:
      command: sh scripts/probe.sh {dir} {iteration}
      metrics: metrics.json
      env: { MODE: fast }
`;

let h: Harness;
afterEach(() => h?.remove());

describe("command/run", () => {
  it("runs once per built iteration, smallest first, with its log, outputs and metrics as tallies in the manifest and the lock", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(PROBE, "{ iter-b: 5, iter-a: 3 }") });
    const b = await h.build();
    const probe = b.stage.probe!;
    expect(probe.status).toBe("ran");
    expect(runsOf(h)).toEqual(["iter-a", "iter-b"]);
    if (probe.status !== "ran") return;
    expect(probe.manifest.tallies).toEqual({
      "iter-a.ci.0": 0.1, "iter-a.ci.1": 0.9, "iter-a.eval.accuracy": 0.03, "iter-a.eval.n": 3,
      "iter-b.ci.0": 0.1, "iter-b.ci.1": 0.9, "iter-b.eval.accuracy": 0.05, "iter-b.eval.n": 5,
    });
    const lock = JSON.parse(h.read("dpo.lock"));
    expect(lock.stages.probe.tallies["iter-b.eval.accuracy"]).toBe(0.05);
    expect(Object.keys(lock.stages.probe.published).sort()).toEqual(["iter-a/metrics.json", "iter-a/probe.log", "iter-b/metrics.json", "iter-b/probe.log"]);
    expect(h.read("out/iter-a/probe.log")).toBe("training on 3 rows, MODE=fast\na note on stderr\n");
    const records = await probe.artifact.all();
    expect(records).toEqual([
      { id: "iter-a", iteration: "iter-a", log: "out/iter-a/probe.log", metrics: { "ci.0": 0.1, "ci.1": 0.9, "eval.accuracy": 0.03, "eval.n": 3 } },
      { id: "iter-b", iteration: "iter-b", log: "out/iter-b/probe.log", metrics: { "ci.0": 0.1, "ci.1": 0.9, "eval.accuracy": 0.05, "eval.n": 5 } },
    ]);
  });

  it("does not run again when nothing changed, and puts its outputs back into a deleted out/", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(PROBE) });
    await h.build();
    const again = await h.build();
    expect(again.stage.probe!.status).toBe("cached");
    expect(runsOf(h)).toEqual(["iter-a", "iter-b"]);
    h.remove = h.remove.bind(h);
    const { rmSync } = await import("node:fs");
    rmSync(h.path("out"), { recursive: true });
    const restored = await h.build();
    expect(restored.stage.probe!.status).toBe("cached");
    expect(runsOf(h)).toEqual(["iter-a", "iter-b"]);
    expect(JSON.parse(h.read("out/iter-b/metrics.json")).eval.n).toBe(5);
    expect(h.read("out/iter-b/probe.log")).toContain("training on 5 rows");
  });

  it("runs again when the script it names changes, or a file in `inputs` does", async () => {
    h = commandHarness({
      "dpo.config.yaml": commandProject(PROBE.replace("env: { MODE: fast }", "inputs: [scripts/lib/*.mjs]")),
      "scripts/lib/helper.mjs": "export const x = 1;\n",
    });
    await h.build();
    h.write("scripts/probe.sh", h.read("scripts/probe.sh") + "\n# edited\n");
    const edited = await h.build();
    expect(edited.stage.probe!.status).toBe("ran");
    expect(runsOf(h)).toEqual(["iter-a", "iter-b", "iter-a", "iter-b"]);
    h.write("scripts/lib/helper.mjs", "export const x = 2;\n");
    expect((await h.build()).stage.probe!.status).toBe("ran");
    expect(runsOf(h)).toHaveLength(6);
  });

  it("runs again when an iteration's data changes though the export's records do not", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(PROBE) });
    await h.build();
    h.write("dpo.config.yaml", commandProject(PROBE, undefined, "new"));
    const b = await h.build();
    expect(b.stage.probe!.status).toBe("ran");
    expect(runsOf(h)).toEqual(["iter-a", "iter-b", "iter-a", "iter-b"]);
  });

  it("runs only the new iteration when one is added: each iteration's run is memoised", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(PROBE, "{ iter-a: 3 }") });
    await h.build();
    await h.build();
    h.write("dpo.config.yaml", commandProject(PROBE, "{ iter-a: 3, iter-b: 5 }"));
    const b = await h.build();
    expect(b.stage.probe!.status).toBe("ran");
    expect(runsOf(h)).toEqual(["iter-a", "iter-b"]);
    expect(h.read("out/iter-a/probe.log")).toContain("training on 3 rows");
  });

  it("puts the env it sets in the key, and keeps a secret-looking variable's value out of every file", async () => {
    const secret = "sk-test-0123456789abcdef";
    const stage = PROBE.replace("env: { MODE: fast }", `env: { MODE: fast, API_KEY: "${secret}" }`).replace("{dir} {iteration}", "{dir} {iteration} --print-key");
    h = commandHarness({ "dpo.config.yaml": commandProject(stage), "scripts/probe.sh": PROBE_SCRIPT + 'echo "key is $API_KEY"\n' });
    await h.build();
    expect(h.read("out/iter-a/probe.log")).toContain("key is ***");
    h.write("dpo.config.yaml", commandProject(stage.replace("MODE: fast", "MODE: slow")));
    const b = await h.build();
    expect(b.stage.probe!.status).toBe("ran");
    expect(h.read("out/iter-a/probe.log")).toContain("MODE=slow");
    for (const file of filesUnder(h.dir).filter((f) => !f.endsWith("dpo.config.yaml") && !f.includes("/memo"))) {
      expect(readFileSync(file).includes(secret), file).toBe(false);
    }
  });

  it("fails a stage whose command exits non-zero with the end of its stderr and the log's path, at `command`", async () => {
    const failing = "i=0; while [ $i -lt 30 ]; do echo \"line $i\" >&2; i=$((i+1)); done; exit 3\n";
    h = commandHarness({ "dpo.config.yaml": commandProject(PROBE.replace("scripts/probe.sh", "scripts/fail.sh")), "scripts/fail.sh": failing });
    const b = await h.build();
    const probe = b.stage.probe!;
    expect(probe.status).toBe("failed");
    if (probe.status !== "failed") return;
    const d = probe.diagnostics[0]!;
    expect(d.message).toContain("iter-a: the command exited with code 3; the end of its stderr:");
    expect(d.message).toContain("line 29");
    expect(d.message).toContain("line 10");
    expect(d.message).not.toContain("line 9\n");
    expect(d.hint).toBe("the whole log: out/iter-a/probe.log");
    expect(d.location).toMatchObject({ file: "dpo.config.yaml", line: 12 });
    expect(h.read("out/iter-a/probe.log")).toContain("line 0\n");
    // A failure is not memoised: the next build runs the command again.
    h.write("scripts/fail.sh", failing.replace("exit 3", "exit 4"));
    const again = await h.build();
    expect(again.stage.probe!.status === "failed" && again.stage.probe!.diagnostics[0]!.message).toContain("exited with code 4");
  });

  it("fails when the command does not write its metrics, or writes something that is not a JSON object", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(PROBE.replace("metrics.json", "other.json")) });
    const b = await h.build();
    expect(b.stage.probe!.status === "failed" && b.stage.probe!.diagnostics[0]!.message).toBe("stage \"probe\": iter-a: the command exited 0 but did not write out/iter-a/other.json");
  });

  it("kills the command when the build is cancelled", async () => {
    h = commandHarness({
      "dpo.config.yaml": commandProject(PROBE.replace("scripts/probe.sh", "scripts/hang.sh")),
      // exec: the pid written is the sleeping process itself, which must be gone after cancellation.
      "scripts/hang.sh": "echo $$ > pid.tmp && mv pid.tmp pid.txt && exec sleep 600\n",
    });
    const abort = new AbortController();
    const building = h.build("build", { signal: abort.signal });
    while (!existsSync(h.path("pid.txt")) || statSync(h.path("pid.txt")).size === 0) await new Promise((r) => setImmediate(r));
    abort.abort();
    const b = await building;
    expect(b.stage.probe!.status).toBe("cancelled");
    const pid = Number(h.read("pid.txt"));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it("refuses a string command that needs a shell, at `command`", async () => {
    h = commandHarness({ "dpo.config.yaml": commandProject(PROBE.replace("{dir} {iteration}", "{dir} > log.txt")) });
    const b = await h.build();
    const probe = b.stage.probe!;
    expect(probe.status === "failed" && probe.diagnostics[0]!.message).toBe("stage \"probe\": cannot split the command: an unquoted `>`: the command runs without a shell");
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath ?? d.path, d.name));
}
