/**
 * What every part of a load shares (where to report, the parsed source), and
 * the checks of the files and providers a value names, whoever names them.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { didYouMean, type Diagnostic, type Location } from "../diagnostic.js";
import { globBase, isGlob } from "../glob.js";
import { projectGlob } from "../project-files.js";
import { isReallyWithin, isWithin } from "../real-path.js";
import type { Registry } from "../registry.js";
import type { Env } from "./interpolate.js";
import type { RefPolicy } from "./refs.js";
import { dottedPath, type YamlSource } from "./yaml-source.js";

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** One load in progress, as its parts see it. */
export interface LoadContext {
  root: string;
  /** What `${VAR}` and `dpo: "env"` names read: the environment over the project's `.env`. */
  env: Env;
  src: YamlSource;
  registry: Registry;
  report(ds: Diagnostic[]): void;
  keepSecrets(secrets: string[]): void;
}

export const error = (message: string, location?: Location, extra: Partial<Diagnostic> = {}): Diagnostic => ({
  severity: "error",
  message,
  ...(location ? { location } : {}),
  ...extra,
});

export function posix(p: string): string {
  return p.split(sep).join("/");
}

/**
 * Checks the files (inside the project, existing) and providers (configured)
 * a validated value names; returns them sorted and unique, and whether all passed. `pointer` is where
 * the value sits in the config, `owner` names it in messages (e.g. "stage `judge`").
 * A file value holding a wildcard is a pattern: every file it matches is
 * checked and listed (so each one's digest enters the key), and the pattern
 * is returned too, so a file that later appears or goes is seen.
 */
export async function checkRefs(
  lc: LoadContext,
  pointer: string,
  policy: RefPolicy,
  owner: string,
  providers: Record<string, unknown>,
): Promise<{ files: string[]; patterns: string[]; providers: string[]; ok: boolean }> {
  const files = new Set<string>();
  const patterns = new Set<string>();
  const used = new Set<string>();
  let ok = true;
  const where = (p: string) => ({ at: lc.src.locate(pointer + p), path: dottedPath(pointer + p, lc.src.value) });
  for (const ref of policy.files) {
    const named = isGlob(ref.value) ? matchesOf(lc.root, ref.value) : { files: [ref.value] };
    const problems = "problem" in named ? [named.problem] : (await Promise.all(named.files.map((f) => fileProblem(lc.root, f)))).filter((p) => p !== undefined);
    if (problems.length > 0) {
      ok = false;
      lc.report(problems.map((problem) => error(problem, where(ref.pointer).at, { path: where(ref.pointer).path })));
      continue;
    }
    if (isGlob(ref.value)) patterns.add(ref.value);
    for (const f of "files" in named ? named.files : []) files.add(posix(relative(lc.root, resolve(lc.root, f))));
  }
  for (const ref of policy.providers) {
    if (Object.hasOwn(providers, ref.value) || declaredProviders(lc).includes(ref.value)) used.add(ref.value);
    else {
      ok = false;
      lc.report([unknownProvider(lc, ref.value, owner, where(ref.pointer))]);
    }
  }
  return { files: [...files].sort(), patterns: [...patterns].sort(), providers: [...used].sort(), ok };
}

/** Provider names under `providers:`, including entries that failed their own checks (they have their own error). */
function declaredProviders(lc: LoadContext): string[] {
  const providers = (lc.src.value as Obj | null)?.providers;
  return isObj(providers) ? Object.keys(providers) : [];
}

function unknownProvider(lc: LoadContext, name: string, owner: string, { at, path }: { at: Location; path: string }): Diagnostic {
  const declared = declaredProviders(lc);
  const guess = didYouMean(name, declared);
  return error(`${owner} uses provider \`${name}\`, which is not configured`, at, {
    path,
    hint: guess ? `did you mean \`${guess}\`?` : `declare it under \`providers:\`${declared.length ? ` (configured: ${declared.join(", ")})` : ""}`,
  });
}

/** The files a pattern matches now, or why it names none. */
function matchesOf(root: string, pattern: string): { files: string[] } | { problem: string } {
  const base = resolve(root, globBase(pattern));
  if (isAbsolute(pattern) || pattern.split("/").includes("..") || !isWithin(root, base)) {
    return { problem: `pattern \`${pattern}\` lies outside the project; paths are relative to ${root}` };
  }
  if (!isReallyWithin(root, base)) return { problem: `pattern \`${pattern}\` lies in a linked folder leading outside the project` };
  const files = projectGlob(root, pattern);
  return files.length > 0 ? { files } : { problem: `no file matches \`${pattern}\`` };
}

async function fileProblem(root: string, rel: string): Promise<string | undefined> {
  const abs = resolve(root, rel);
  if (isAbsolute(rel) || !isWithin(root, abs)) {
    return `file \`${rel}\` lies outside the project; paths are relative to ${root}`;
  }
  // Checked before reading anything, so nothing outside is read (nor quoted in an error).
  if (!isReallyWithin(root, abs)) return `file \`${rel}\` is a symbolic link (or lies in a linked folder) leading outside the project`;
  const info = await stat(abs).catch(() => undefined);
  if (!info) return `file \`${rel}\` does not exist`;
  if (!info.isFile()) return `\`${rel}\` is not a file`;
  return undefined;
}
