/**
 * docs/architecture.md promises that every file it names exists. This holds it
 * to that: every repository path it spells out (`src/…`, `test/…`, `bench/…`,
 * `docs/…`, `scripts/…`, …; `{a,b}` alternatives and `*` patterns expanded)
 * must exist, and every file it names by a shorter path inside a section
 * (`mode.ts`, `executor/publish.ts`) must be the end of some file's path.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const doc = readFileSync(join(root, "docs", "architecture.md"), "utf8");

const ROOTS = ["src", "test", "bench", "docs", "scripts", "examples", "rubrics", "templates", "assets", ".ci"];
const FULL_PATH = new RegExp(`(?<![\\w./-])((?:${ROOTS.map((r) => r.replace(".", "\\.")).join("|")})/[\\w./*{},-]*)`, "g");
/** A file named by a path relative to its section: `mode.ts`, `remote/tiered-memo.ts`, `records.md`. */
const SHORT_NAME = /(?<![\w./-])((?:[\w-]+\/)*[\w.-]+\.(?:ts|mjs|md))(?![\w/])/g;

/** Every file of the repository (without node_modules, dist and git's own), root-relative, posix. */
function repoFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (["node_modules", "dist", ".git", "cache", "out"].includes(e.name)) continue;
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else out.push(relative(root, abs).split("\\").join("/"));
    }
  };
  walk(root);
  return out;
}

/** `a/{b,c}.ts` → `a/b.ts`, `a/c.ts` (one level of braces, as the document writes them). */
function expandBraces(path: string): string[] {
  const m = /\{([^{}]*)\}/.exec(path);
  if (!m) return [path];
  return m[1]!.split(",").flatMap((alt) => expandBraces(path.slice(0, m.index) + alt + path.slice(m.index + m[0].length)));
}

function exists(path: string, files: readonly string[]): boolean {
  if (!path.includes("*")) return existsSync(join(root, path));
  const pattern = new RegExp(`^${path.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
  return files.some((f) => pattern.test(f));
}

const fullPaths = [...new Set([...doc.matchAll(FULL_PATH)].map((m) => m[1]!.replace(/[.,]+$/, "")))].flatMap(expandBraces);

describe("docs/architecture.md", () => {
  const files = repoFiles();

  it("names only repository paths that exist", () => {
    expect(fullPaths.length).toBeGreaterThan(50); // the extractor found the document's paths at all
    expect(fullPaths.filter((p) => !exists(p, files))).toEqual([]);
  });

  it("names by their short paths only files that exist somewhere in the repository", () => {
    const names = [...new Set([...doc.matchAll(SHORT_NAME)].map((m) => m[1]!))].filter((n) => !fullPaths.some((p) => p.endsWith(n)));
    expect(names.length).toBeGreaterThan(30);
    const missing = names.filter((n) => !files.some((f) => f === n || f.endsWith(`/${n}`)));
    expect(missing).toEqual([]);
  });
});
