/**
 * Command-line options: each command declares one table of its options (with
 * a description each), which both node:util parseArgs reads and `--help`
 * prints, so a command's help always lists every flag it takes. Errors
 * suggest the right flag.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { didYouMean, userError } from "../engine/diagnostic.js";

export interface OptionSpec {
  type: "boolean" | "string";
  short?: string;
  /** The value's placeholder in help (`N`, `FILE`), for string options. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  /** `dpo build`. */
  command: string;
  /** Positional arguments as help shows them: `[stage...]`. */
  args?: string;
  /** One line: what the command does. */
  summary: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Lines after the option list (notes, examples). */
  notes?: string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  dir: { type: "string", short: "C", value: "DIR", description: "run in the project in DIR (also before the command: `dpo -C DIR build`)" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const satisfies Record<string, OptionSpec>;

type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string };

export function parse<S extends CommandSpec>(argv: string[], spec: S) {
  const all = { ...COMMON_OPTIONS, ...spec.options };
  const config = Object.fromEntries(Object.entries(all).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]));
  try {
    const parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
    const values = parsed.values as Values<typeof COMMON_OPTIONS & S["options"]>;
    const dir = (parsed.values as { dir?: string }).dir;
    return { values, positionals: parsed.positionals, root: resolve(dir ?? process.cwd()) };
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /'(--?[\w-]+)'/.exec(msg)?.[1];
    const guess = flag ? didYouMean(flag, Object.keys(all).map((n) => `--${n}`)) : undefined;
    throw userError(msg, { hint: guess ? `did you mean \`${guess}\`?` : `usage: ${usageLine(spec)}` });
  }
}

/** `dpo build [stage...] [--dry-run] [-j N] …`: every option, as a usage line. */
export function usageLine(spec: CommandSpec): string {
  const flags = Object.entries(spec.options).map(([name, o]) => `[${o.short ? `-${o.short}|` : ""}--${name}${o.value ? ` ${o.value}` : ""}]`);
  return [spec.command, spec.args, ...flags].filter(Boolean).join(" ");
}

/** The whole `--help` text, generated from the command's option table. */
export function helpText(spec: CommandSpec): string {
  const all: Record<string, OptionSpec> = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(all).map(([name, o]) => [`${o.short ? `-${o.short}, ` : "    "}--${name}${o.value ? ` ${o.value}` : ""}`, o.description] as const);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = [usageLine(spec), "", spec.summary, "", "Options:", ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`)];
  if (spec.notes?.length) lines.push("", ...spec.notes);
  return lines.join("\n") + "\n";
}

/** Prints the help and returns the exit code for it (0), so a command can `return printHelp(SPEC)`. */
export function printHelp(spec: CommandSpec): number {
  process.stdout.write(helpText(spec));
  return 0;
}

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw userError(`${name} expects a positive integer, found "${value}"`);
  return n;
}
