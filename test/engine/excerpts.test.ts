/**
 * Excerpts under diagnostics show a window around the column, not the line
 * (a bad record on a 50 MB line once printed 100 MB to stderr), and reading
 * them streams to the lines needed instead of loading the file.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, test } from "vitest";
import { printDiagnostics } from "../../src/cli/print.js";
import type { Diagnostic } from "../../src/engine/diagnostic.js";

const root = mkdtempSync(join(tmpdir(), "dpo-excerpts-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function printed(diagnostics: Diagnostic[]): string {
  let out = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  printDiagnostics(diagnostics, root, stream);
  return out;
}

const at = (file: string, line: number, column: number, length?: number): Diagnostic => ({
  severity: "error",
  message: "invalid JSON",
  location: { file, line, column, ...(length ? { length } : {}) },
});

describe("excerpts of long lines", () => {
  test("a 5 MB line is clipped to a window around the column, the marker under it", () => {
    const column = 2_500_000;
    const line = "a".repeat(column - 1) + "X" + "b".repeat(2_500_000);
    writeFileSync(join(root, "big.jsonl"), `{"ok": 1}\n${line}\n{"ok": 2}\n`);
    const out = printed([at("big.jsonl", 2, column)]);
    expect(out.length).toBeLessThan(400);
    const [, source, marker] = out.split("\n");
    expect(source).toBe(`  2 | …${"a".repeat(60)}X${"b".repeat(60)}…`);
    expect(marker!.indexOf("^")).toBe(source!.indexOf("X"));
  });

  test("a column near the start shows the line from its beginning, cut only at the end", () => {
    writeFileSync(join(root, "start.jsonl"), `{"prompt": ${"z".repeat(1000)}}\r\n`);
    const [, source, marker] = printed([at("start.jsonl", 1, 12, 3)]).split("\n");
    expect(source).toBe(`  1 | {"prompt": ${"z".repeat(63)}…`); // the span and 60 characters after it
    expect(marker).toBe(`  ${" ".repeat(4 + 11)}^^^`);
  });

  test("short lines print whole, as before (CRLF and a last line without newline too)", () => {
    writeFileSync(join(root, "c.yaml"), "a: 1\r\nneds: [b]\r\nlast: x");
    expect(printed([at("c.yaml", 2, 1, 4)])).toBe("c.yaml:2:1: error: invalid JSON\n  2 | neds: [b]\n      ^^^^\n");
    expect(printed([at("c.yaml", 3, 7)])).toBe("c.yaml:3:7: error: invalid JSON\n  3 | last: x\n            ^\n");
  });

  test("the window is found across read chunks and multi-byte characters", () => {
    const line = "é".repeat(70_000) + "X" + "€".repeat(70_000);
    writeFileSync(join(root, "wide.txt"), `first\n${line}\n`);
    const [, source] = printed([at("wide.txt", 2, 70_001)]).split("\n");
    expect(source).toBe(`  2 | …${"é".repeat(60)}X${"€".repeat(60)}…`);
  });
});

describe("reading only the lines needed", () => {
  test("an error on line 1 of a 3 GB file gets its excerpt without reading the rest", () => {
    const file = join(root, "huge.jsonl");
    writeFileSync(file, '{"prompt": oops}\n');
    truncateSync(file, 3 * 2 ** 30); // sparse: no disk used, but far beyond what readFileSync would load
    const out = printed([at("huge.jsonl", 1, 12, 4)]);
    expect(out).toBe('huge.jsonl:1:12: error: invalid JSON\n  1 | {"prompt": oops}\n                 ^^^^\n');
  });

  test("several diagnostics in one file each get their line", () => {
    writeFileSync(join(root, "many.jsonl"), "one\ntwo\nthree\n");
    const out = printed([at("many.jsonl", 3, 1), at("many.jsonl", 1, 2), at("many.jsonl", 9, 1)]);
    expect(out).toContain("  3 | three\n");
    expect(out).toContain("  1 | one\n");
    expect(out).toContain("many.jsonl:9:1: error: invalid JSON\n"); // past the end: no excerpt
    expect(out.endsWith("3 errors\n")).toBe(true);
  });
});
