/**
 * How the user can run this very `dpo` again from their shell: `dpo` when the
 * command on their PATH is this installation, else `node /abs/path/bin/dpo.js`.
 * dpo is not on the npm registry, so `npx dpo` works only inside a checkout —
 * elsewhere npx looks the name up on the registry and fails with a 404.
 *
 * PATH entries npm adds for the duration of `npm run`/`npx` (`node_modules/.bin`,
 * npx's cache) are skipped: they are gone once the user is back at the prompt.
 */
import { existsSync, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This installation's `bin/dpo.js`. */
export const ownBin = fileURLToPath(new URL("../../bin/dpo.js", import.meta.url));

/** The shell words that run this `dpo`: `dpo`, or `node '/path with spaces/bin/dpo.js'`. */
export function ownCommand(env: NodeJS.ProcessEnv = process.env, bin = ownBin): string {
  const self = realOrUndefined(bin);
  const onPath = lookup("dpo", env);
  if (self && onPath && realOrUndefined(onPath) === self) return "dpo";
  const nodeOnPath = lookup("node", env);
  const node = nodeOnPath && realOrUndefined(nodeOnPath) === realOrUndefined(process.execPath) ? "node" : shellWord(process.execPath);
  return `${node} ${shellWord(bin)}`;
}

/** The first `name` on the user's PATH, ignoring the folders npm adds while it runs a script. */
function lookup(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir || isNpmScriptDir(dir)) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function isNpmScriptDir(dir: string): boolean {
  const d = dir.split("\\").join("/");
  return d.endsWith("/node_modules/.bin") || d.includes("/node_modules/.bin/") || d.includes("/_npx/") || d.includes("/npm/node_modules/@npmcli/run-script/");
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** A word the shell reads back as itself: bare when it is plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
