/** Command-line options with node:util parseArgs, and errors that suggest the right flag. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolve } from "node:path";
import { didYouMean, userError } from "../engine/diagnostic.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export const commonOptions = {
  dir: { type: "string", short: "C" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

export function parse<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...commonOptions, ...options }, allowPositionals: true, strict: true });
    return { ...parsed, root: resolve((parsed.values as { dir?: string }).dir ?? process.cwd()) };
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /'(--?[\w-]+)'/.exec(msg)?.[1];
    const names = Object.keys({ ...commonOptions, ...options }).map((n) => `--${n}`);
    const guess = flag ? didYouMean(flag, names) : undefined;
    throw userError(msg, { hint: guess ? `did you mean \`${guess}\`?` : `usage: ${usage}` });
  }
}

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw userError(`${name} expects a positive integer, found "${value}"`);
  return n;
}
