/**
 * Which paths a file-event source reports, given the watched set: exact
 * paths, and any path matching a watched glob pattern (a shard that appears
 * or goes). Also the folders to watch and how deep, so a pattern's matches
 * are seen wherever under its base folder they land.
 */
import { posix } from "node:path";
import { globBase, globMatcher, isGlob } from "../../engine/glob.js";

export interface WatchFilter {
  /** Root-relative folders to watch (`.` for the root). */
  dirs: Set<string>;
  /** How many levels below a watched folder to look (0: its own entries). */
  depth: number;
  /** Whether a change at this root-relative path is reported. */
  reports(path: string): boolean;
  /** Whether chokidar should look at this root-relative path at all (a watched file, a folder on the way to one). */
  relevant(path: string): boolean;
}

export function watchFilter(paths: ReadonlySet<string>): WatchFilter {
  const patterns = [...paths].filter(isGlob).map((p) => ({ base: globBase(p) || ".", matches: globMatcher(p), levels: levelsBelowBase(p) }));
  const dirs = new Set([...paths].filter((p) => !isGlob(p)).map((p) => posix.dirname(p)));
  for (const p of patterns) dirs.add(p.base);
  const under = (base: string, path: string) => base === "." || path === base || path.startsWith(base + "/");
  const reports = (path: string) => paths.has(path) || patterns.some((p) => p.matches(path));
  return {
    dirs,
    depth: Math.max(0, ...patterns.map((p) => p.levels)),
    reports,
    relevant: (path) => reports(path) || dirs.has(path) || patterns.some((p) => under(p.base, path)),
  };
}

/** Folder levels between a pattern's base and its matches (`**`: any). */
function levelsBelowBase(pattern: string): number {
  const segments = pattern.split("/").filter((s) => s !== "");
  if (segments.includes("**")) return Infinity;
  const base = globBase(pattern);
  return segments.length - (base ? base.split("/").length : 0) - 1;
}
