/**
 * "Stays inside the project", decided on real paths: a symbolic link is
 * followed before the check, so a link inside the project that leads out of
 * it (a dataset, a rubric, a plugin, `out/reports`) counts as outside.
 */
import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";

/**
 * The real path of an absolute path, links resolved. A path that does not
 * exist (yet) is its nearest existing ancestor's real path plus the rest, so
 * a file about to be created is judged by the folder it would land in.
 */
export function realPathOf(abs: string): string {
  const rest: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    try {
      return join(realpathSync.native(p), ...rest.reverse());
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== "ENOENT" && code !== "ENOTDIR") || dirname(p) === p) throw e;
      rest.push(basename(p));
    }
  }
}

/** Whether `path` lies inside (or is) `dir`, as strings: no `..` step and not absolute once made relative. */
export function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || !(rel === ".." || rel.startsWith(".." + sep) || isAbsolute(rel));
}

/** Whether `abs` really lies inside `dir`, following symbolic links of both; a path that cannot be resolved (a link loop) does not. */
export function isReallyWithin(dir: string, abs: string): boolean {
  try {
    return isWithin(dir, abs) && isWithin(realPathOf(dir), realPathOf(abs));
  } catch {
    return false;
  }
}
