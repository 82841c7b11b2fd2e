/**
 * How a stage reads project files, at run time (`ctx`) and at load time (a
 * plugin's `checkFiles`): paths relative to the project root that must really
 * stay inside it (symbolic links followed before the check), strict UTF-8,
 * and a digest of every file read, so a later change makes the stage stale.
 */
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import type { NodeErrors } from "./config/locations.js";
import { DpoError } from "./diagnostic.js";
import { expandGlob, isGlob } from "./glob.js";
import { projectPaths } from "./paths.js";
import { sha256, type Digest } from "./hash.js";
import type { PluginContext } from "./plugin.js";
import { isReallyWithin, isWithin } from "./real-path.js";
import { decodeUtf8File } from "./utf8.js";

export type ProjectFileReaders = Pick<PluginContext, "resolve" | "files" | "readFile" | "readConfigFile">;

/**
 * Readers for the stage whose `with` block is `withBlock`; `reads` collects
 * project-relative path → digest. Errors about a path point at the `with`
 * entry naming it.
 */
export function projectFileReaders(root: string, withBlock: unknown, errors: NodeErrors, reads: Record<string, Digest>): ProjectFileReaders {
  const resolvePath = (rel: string) => {
    const abs = resolve(root, rel);
    if (!isWithin(root, abs)) errors.fail(pointerNaming(withBlock, rel), `path "${rel}" is outside the project`);
    if (!isReallyWithin(root, abs)) {
      errors.fail(pointerNaming(withBlock, rel), `path "${rel}" is a symbolic link (or lies in a linked folder) leading outside the project`);
    }
    return abs;
  };
  const readers: ProjectFileReaders = {
    resolve: resolvePath,
    files(rel) {
      if (!isGlob(rel)) return [rel];
      const found = projectGlob(root, rel);
      for (const f of found) resolvePath(f); // a match linked outside fails as a plain path would
      if (found.length === 0) errors.fail(pointerNaming(withBlock, rel), `no file matches \`${rel}\``);
      return found;
    },
    async readFile(rel) {
      const abs = resolvePath(rel);
      const buf = await readFile(abs);
      reads[projectRelative(root, abs)] = sha256(buf);
      return buf;
    },
    async readConfigFile(rel, schema, what = "file") {
      const file = projectRelative(root, resolvePath(rel));
      const bytes = await readers.readFile(rel).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") errors.fail(pointerNaming(withBlock, rel), `${what} "${rel}" does not exist`, "paths are relative to the project root");
        throw e;
      });
      const text = decodeUtf8File(bytes, file);
      if (!text.ok) throw new DpoError(text.error);
      const { parseConfigFile } = await import("./config/config-file.js"); // the YAML parser, only for stages that need it
      return parseConfigFile(text.value, file, schema);
    },
  };
  return readers;
}

/** The project files `pattern` matches now, sorted, never looking into the build's own `cache/` and `out/`. */
export function projectGlob(root: string, pattern: string): string[] {
  const paths = projectPaths(root);
  return expandGlob(root, pattern, { skip: new Set([paths.cacheDir, paths.outDir].map((d) => projectRelative(root, d))) });
}

function projectRelative(root: string, abs: string): string {
  return relative(root, abs).split("\\").join("/");
}

/** The `with` entry holding exactly `value` (a path, a provider name), so an error about it points there; else the stage. */
export function pointerNaming(value: unknown, wanted: string, pointer = "/with"): string {
  if (value === wanted) return pointer;
  if (value === null || typeof value !== "object") return "";
  for (const [k, v] of Object.entries(value)) {
    const found = pointerNaming(v, wanted, `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    if (found) return found;
  }
  return "";
}
