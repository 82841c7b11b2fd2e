/** Temporary project folders for source tests. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll } from "vitest";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh project root holding `files`; names ending in .gz are gzipped. */
export function project(files: Record<string, string | Buffer> = {}): string {
  const root = mkdtempSync(join(tmpdir(), "dpo-sources-"));
  made.push(root);
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, name.endsWith(".gz") ? gzipSync(content) : content);
  }
  return root;
}

export const fixtures = new URL("../fixtures/", import.meta.url).pathname;

export const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r) + "\n").join("");
