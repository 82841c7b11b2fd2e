/**
 * Paths under `out/` that stages publish. A published path names a file
 * inside `out/`; a stage may also claim a whole folder in its plugin's
 * `publishes` declaration, written here as a claim with a trailing slash
 * (`iter-0100/`). Two claims collide
 * when they are the same path or one is a folder holding the other, since
 * the later write would overwrite or break the earlier.
 */

/** Why `path` cannot be a published file, or undefined when it can. */
export function outFileProblem(path: string): string | undefined {
  if (path === "") return "an empty path";
  if (path.startsWith("/")) return "an absolute path";
  if (path.endsWith("/")) return "a folder (trailing `/`), not a file";
  const segments = path.split("/");
  if (segments.includes("..")) return "a `..` step out of out/";
  if (segments.includes(".")) return segments.length === 1 ? "`out/` itself, not a file inside it" : "a `.` step";
  if (segments.includes("")) return "an empty folder name (`//`)";
  return undefined;
}

/** Whether two claims collide: the same file, or one lies in the other (`a` vs `a/b`, `a/` vs `a/b`). */
export function claimsCollide(a: string, b: string): boolean {
  const dir = (p: string) => (p.endsWith("/") ? p : p + "/");
  const bare = (p: string) => (p.endsWith("/") ? p.slice(0, -1) : p);
  return bare(a) === bare(b) || b.startsWith(dir(a)) || a.startsWith(dir(b));
}

/** The out/ paths claimed so far, by stage: the first claim that collides with another stage's. */
export class OutClaims {
  private readonly byStage = new Map<string, readonly string[]>();

  /** Adds a stage's claims; returns a collision with an earlier stage's claim, if any. */
  claim(stage: string, paths: readonly string[]): { path: string; other: string; otherPath: string } | undefined {
    for (const [other, theirs] of this.byStage) {
      if (other === stage) continue;
      for (const path of paths) {
        const otherPath = theirs.find((t) => claimsCollide(path, t));
        if (otherPath !== undefined) return { path, other, otherPath };
      }
    }
    this.byStage.set(stage, paths);
    return undefined;
  }
}
