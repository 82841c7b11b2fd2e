import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readLines } from "../../src/engine/read-lines.js";

const dir = mkdtempSync(join(tmpdir(), "dpo-lines-"));
async function lines(content: string | Buffer): Promise<string[]> {
  const path = join(dir, `f${Math.random()}`);
  writeFileSync(path, content);
  const out: string[] = [];
  for await (const l of readLines(path)) out.push(l);
  return out;
}

describe("readLines", () => {
  test("lines across 64 KiB chunk boundaries, multi-byte characters split between chunks, CRLF, no final newline", async () => {
    const long = "é".repeat(40_000); // 80,000 bytes: every line spans a chunk boundary
    const text = [`a${long}`, "", `b${long}`, "c\r", "日本語".repeat(10_000), "last"].join("\n");
    expect(await lines(text)).toEqual([`a${long}`, "", `b${long}`, "c", "日本語".repeat(10_000), "last"]);
  });

  test("a final newline gives no empty last line; an empty file gives none", async () => {
    expect(await lines("x\ny\n")).toEqual(["x", "y"]);
    expect(await lines("")).toEqual([]);
  });
});
