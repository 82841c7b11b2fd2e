/**
 * Glob patterns for input files (`datasets/train-*.jsonl`, as Hub datasets
 * come sharded). `/`-separated segments; within a segment `*` (any run of
 * characters), `?` (one character) and `[abc]`, `[a-z]`, `[!a]` (one of a
 * set); a whole segment `**` spans any number of folders. A wildcard never
 * matches a leading `.` (hidden files and folders), as in shells. No escapes,
 * no braces: a name holding `*`, `?` or `[` cannot be named by a pattern.
 *
 * Node 20 has no `fs.glob`; this walks only the folders the pattern's literal
 * prefix names, never follows a linked folder (no loops, nothing outside),
 * and returns matches sorted, so a build reads shards in one order everywhere.
 */
import { readdirSync, type Dirent } from "node:fs";
import { join } from "node:path";

/** Whether a path string is a pattern rather than a file name. */
export function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** The folder every match lies under: the segments before the first one holding a wildcard (`""` for the root). */
export function globBase(pattern: string): string {
  const segments = pattern.split("/");
  const first = segments.findIndex(isGlob);
  return segments.slice(0, first === -1 ? segments.length - 1 : first).join("/");
}

/** A test of `/`-separated relative paths against `pattern`. */
export function globMatcher(pattern: string): (path: string) => boolean {
  const parts = pattern.split("/").filter((s) => s !== "");
  const tests = parts.map((p) => (p === "**" ? "**" : segmentRegExp(p)));
  return (path) => matchSegments(tests, 0, path.split("/").filter((s) => s !== ""), 0);
}

type SegmentTest = RegExp | "**";

function matchSegments(tests: SegmentTest[], t: number, names: string[], n: number): boolean {
  if (t === tests.length) return n === names.length;
  const test = tests[t]!;
  if (test === "**") {
    // Zero or more folders, none hidden.
    for (let k = n; k <= names.length; k++) {
      if (matchSegments(tests, t + 1, names, k)) return true;
      if (k < names.length && names[k]!.startsWith(".")) return false;
    }
    return false;
  }
  return n < names.length && test.test(names[n]!) && matchSegments(tests, t + 1, names, n + 1);
}

/** One segment as an anchored regular expression. */
function segmentRegExp(segment: string): RegExp {
  let re = segment.startsWith(".") ? "" : "(?!\\.)";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close === -1) {
        re += "\\[";
        continue;
      }
      let set = segment.slice(i + 1, close);
      const negated = set.startsWith("!") || set.startsWith("^");
      if (negated) set = set.slice(1);
      re += `[${negated ? "^" : ""}${set.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "u");
}

export interface ExpandOptions {
  /** Root-relative folders never walked into (e.g. the build's own `cache/` and `out/`). */
  skip?: ReadonlySet<string>;
}

/**
 * The root-relative (`/`-separated) regular files and file links under `root`
 * that match `pattern`, sorted by code unit. The pattern must be relative and
 * stay inside `root` (checked by the caller).
 */
export function expandGlob(root: string, pattern: string, options: ExpandOptions = {}): string[] {
  const matches = globMatcher(pattern);
  const depthLimit = pattern.split("/").includes("**") ? Infinity : pattern.split("/").filter((s) => s !== "").length;
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      return; // a folder that does not exist (or cannot be read) holds no match
    }
    for (const e of entries) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth + 1 < depthLimit && !options.skip?.has(rel)) walk(rel, depth + 1);
      } else if ((e.isFile() || e.isSymbolicLink()) && matches(rel)) found.push(rel);
    }
  };
  const base = globBase(pattern);
  walk(base, base === "" ? 0 : base.split("/").length);
  return found.sort();
}
