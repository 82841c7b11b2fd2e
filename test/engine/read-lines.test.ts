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
  test("lines across 256 KiB chunk boundaries, multi-byte characters split between chunks, CRLF, no final newline", async () => {
    const long = "é".repeat(150_000); // 300,000 bytes: every line spans a chunk boundary
    const huge = "日本語".repeat(100_000); // 900,000 bytes: spans four chunks
    const text = [`a${long}`, "", `b${long}`, "c\r", huge, "last"].join("\n");
    expect(await lines(text)).toEqual([`a${long}`, "", `b${long}`, "c", huge, "last"]);
  });

  test("a CRLF split between two chunks still loses its CR", async () => {
    const first = "x".repeat((1 << 18) - 1); // the "\r" is the chunk's last byte, "\n" the next chunk's first
    expect(await lines(`${first}\r\nnext\r\n`)).toEqual([first, "next"]);
  });

  test("invalid UTF-8 becomes U+FFFD, as a decoder of the whole file would make it", async () => {
    expect(await lines(Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe6, 0x97, 0x0a]))).toEqual(["a\ufffdb", "\ufffd"]);
  });

  test("a final newline gives no empty last line; an empty file gives none", async () => {
    expect(await lines("x\ny\n")).toEqual(["x", "y"]);
    expect(await lines("")).toEqual([]);
  });
});
