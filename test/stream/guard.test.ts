/**
 * A cheap guard for bounded memory: no built-in plugin reads a whole input
 * into memory through an "all records" call. (The Artifact interface has no
 * such call any more; this catches a cast or a StoredArtifact import too.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const pluginsDir = join(import.meta.dirname, "../../src/plugins");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("built-in plugins stream their inputs", () => {
  it("never call all() on an artifact", () => {
    const offenders = sources(pluginsDir).filter((file) => /\.all\s*\(\s*\)/.test(readFileSync(file, "utf8")));
    expect(offenders.map((f) => f.slice(pluginsDir.length + 1))).toEqual([]);
  });
});
