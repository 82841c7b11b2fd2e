import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandGlob, globBase, globMatcher, isGlob } from "../../src/engine/glob.js";

describe("glob patterns", () => {
  it("tells patterns from file names", () => {
    expect(isGlob("datasets/train-*.jsonl")).toBe(true);
    expect(isGlob("data/shard-?.csv")).toBe(true);
    expect(isGlob("data/[ab].csv")).toBe(true);
    expect(isGlob("data/train.jsonl")).toBe(false);
  });

  it("names the folder its matches lie under", () => {
    expect(globBase("datasets/train-*.jsonl")).toBe("datasets");
    expect(globBase("a/b/**/x.jsonl")).toBe("a/b");
    expect(globBase("*.jsonl")).toBe("");
  });

  it("matches `*`, `?` and sets within one segment", () => {
    const m = globMatcher("datasets/train-*.jsonl");
    expect(m("datasets/train-00000-of-00002.jsonl")).toBe(true);
    expect(m("datasets/train-.jsonl")).toBe(true);
    expect(m("datasets/test-0.jsonl")).toBe(false);
    expect(m("datasets/sub/train-0.jsonl")).toBe(false);
    expect(m("other/train-0.jsonl")).toBe(false);
    expect(globMatcher("d/shard-?.csv")("d/shard-1.csv")).toBe(true);
    expect(globMatcher("d/shard-?.csv")("d/shard-10.csv")).toBe(false);
    expect(globMatcher("d/[ab]-[0-9].txt")("d/b-7.txt")).toBe(true);
    expect(globMatcher("d/[ab]-[0-9].txt")("d/c-7.txt")).toBe(false);
    expect(globMatcher("d/[!a]*.txt")("d/a.txt")).toBe(false);
    expect(globMatcher("d/[!a]*.txt")("d/b.txt")).toBe(true);
    expect(globMatcher("d/(x)+.txt")("d/(x)+.txt")).toBe(true); // regular-expression characters are literal
    expect(globMatcher("d/a.txt")("d/abtxt")).toBe(false);
  });

  it("spans folders with `**`, zero or more", () => {
    const m = globMatcher("data/**/*.parquet");
    expect(m("data/a.parquet")).toBe(true);
    expect(m("data/x/y/a.parquet")).toBe(true);
    expect(m("other/a.parquet")).toBe(false);
  });

  it("keeps wildcards off hidden files and folders", () => {
    expect(globMatcher("d/*")("d/.secret")).toBe(false);
    expect(globMatcher("d/.*")("d/.secret")).toBe(true);
    expect(globMatcher("**/*.jsonl")("a/.git/x.jsonl")).toBe(false);
  });
});

describe("expanding a pattern", () => {
  function tree(files: string[]): string {
    const root = mkdtempSync(join(tmpdir(), "dpo-glob-"));
    for (const f of files) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), "x");
    }
    return root;
  }

  it("lists matching files sorted, not folders", () => {
    const root = tree(["d/train-2.jsonl", "d/train-10.jsonl", "d/train-1.jsonl", "d/test-1.jsonl", "d/train-dir.jsonl/inner"]);
    expect(expandGlob(root, "d/train-*.jsonl")).toEqual(["d/train-1.jsonl", "d/train-10.jsonl", "d/train-2.jsonl"]);
  });

  it("walks `**` but not skipped or linked folders", () => {
    const root = tree(["a/x.jsonl", "a/b/c/y.jsonl", "cache/z.jsonl", "elsewhere/w.jsonl"]);
    symlinkSync(join(root, "elsewhere"), join(root, "a/link"));
    expect(expandGlob(root, "**/*.jsonl", { skip: new Set(["cache", "elsewhere"]) })).toEqual(["a/b/c/y.jsonl", "a/x.jsonl"]);
  });

  it("finds nothing under a folder that does not exist", () => {
    expect(expandGlob(tree([]), "missing/*.jsonl")).toEqual([]);
  });
});
