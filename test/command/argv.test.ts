import { describe, expect, it } from "vitest";
import { splitCommand, substitute } from "../../src/plugins/command/argv.js";
import { flattenMetrics, parseMetrics } from "../../src/plugins/command/metrics.js";

describe("splitCommand", () => {
  it("splits words like a shell: quotes, backslashes, runs of blanks", () => {
    expect(splitCommand(`python  train.py --name 'a b' "c \\"d\\"" e\\ f ''`)).toEqual({ ok: true, argv: ["python", "train.py", "--name", "a b", 'c "d"', "e f", ""] });
    expect(splitCommand(`node "it's" x'y'z`)).toEqual({ ok: true, argv: ["node", "it's", "xyz"] });
  });

  it("refuses what only a shell would do, and broken quoting", () => {
    for (const line of ["a | b", "a > log", "a; b", "echo $HOME", "ls *.py", "a && b"]) expect(splitCommand(line).ok, line).toBe(false);
    expect(splitCommand("echo '$HOME' \"*\"")).toEqual({ ok: true, argv: ["echo", "$HOME", "*"] });
    expect(splitCommand("a 'b")).toEqual({ ok: false, problem: "an unterminated ' quote" });
    expect(splitCommand("   ")).toEqual({ ok: false, problem: "no program" });
  });

  it("substitutes {iteration} and {dir} and nothing else", () => {
    expect(substitute("{dir}/train.jsonl:{iteration}:{other}", { iteration: "iter-0100", dir: "out/iter-0100" })).toBe("out/iter-0100/train.jsonl:iter-0100:{other}");
  });
});

describe("metrics", () => {
  it("flattens nested numbers with dots and leaves out what is not a finite number", () => {
    expect(flattenMetrics({ eval: { accuracy: 0.5, ci: [0.4, 0.6], name: "x", ok: true }, n: 3, bad: null })).toEqual({ "eval.accuracy": 0.5, "eval.ci.0": 0.4, "eval.ci.1": 0.6, n: 3 });
    expect(parseMetrics("[1]")).toEqual({ ok: false, problem: "is not a JSON object" });
  });
});
