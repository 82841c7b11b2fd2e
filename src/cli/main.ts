/**
 * `dpo` entry point. Keeps start-up minimal: parses the command word and
 * imports only that command's module. Every expected failure reaches the user
 * as located diagnostics and an exit code, never as a stack trace.
 */
import { readFileSync } from "node:fs";
import { printDiagnostics } from "./print.js";
import { DpoError, didYouMean } from "../engine/diagnostic.js";
import { isStorageFailure, storageError } from "../engine/storage-error.js";

const COMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  build: () => import("./commands/build.js"),
  status: () => import("./commands/status.js"),
  graph: () => import("./commands/graph.js"),
  show: () => import("./commands/show.js"),
  report: () => import("./commands/report.js"),
  gc: () => import("./commands/gc.js"),
  clean: () => import("./commands/clean.js"),
  verify: () => import("./commands/verify.js"),
  init: () => import("./commands/init.js"),
  schema: () => import("./commands/schema.js"),
  annotate: () => import("./commands/annotate.js"),
  check: () => import("./commands/check.js"),
};

const USAGE = `dpo — a make-like build system for DPO preference datasets

Usage: dpo <command> [options]

Commands:
  build [stage...]     build the stages (and what they need); all by default
  status               which stages are stale, and why
  graph                the stage graph as Mermaid (or --format dot)
  show <stage>         records of a stage's output (-n N, --json)
  report               the path of the build report (--open: show it in a browser)
  verify               recompute every stage offline and check it equals dpo.lock
  gc                   remove stored objects that dpo.lock no longer references
  clean                remove cache/ objects and out/ (--memo: the LLM call memo too)
  init [dir]           write a minimal working project
  schema [--rubric]    the JSON Schema of dpo.config.yaml (or of rubrics) for editors
  annotate             the annotation app in the browser (pointwise scores or A vs B)
  check                check out/'s exported files against their formats (--tokenizer F: lengths)

Options for every command: -C <dir> (project directory), --help
Run \`dpo <command> --help\` for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const { cmd, rest } = splitCommand(argv);
  if (cmd === "--version" || cmd === "-v") {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(USAGE + "\n");
    return cmd ? 0 : 2;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    const guess = didYouMean(cmd, Object.keys(COMMANDS));
    throw new DpoError({ severity: "error", message: `unknown command "${cmd}"`, hint: guess ? `did you mean \`dpo ${guess}\`?` : "run `dpo --help`" });
  }
  return (await load()).run(rest);
}

/**
 * The command word and everything else. Global options may stand before the
 * command, as with git and make (`dpo -C DIR build`): they are passed on to it.
 */
function splitCommand(argv: string[]): { cmd: string | undefined; rest: string[] } {
  const before: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-C" || a === "--dir") before.push(a, argv[++i] ?? "");
    else if (a.startsWith("--dir=") || (a.startsWith("-C") && a.length > 2)) before.push(a);
    else break;
  }
  return { cmd: argv[i], rest: [...before, ...argv.slice(i + 1)] };
}

/** The -C/--dir argument, so diagnostics can quote the project's files. */
function projectRoot(argv: string[]): string {
  const i = argv.findIndex((a) => a === "-C" || a === "--dir");
  const eq = argv.find((a) => a.startsWith("--dir="));
  return (i >= 0 ? argv[i + 1] : eq?.slice(6)) ?? process.cwd();
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A permission, read-only or full-disk failure no caller named is still the user's to fix, not a bug.
    if (isStorageFailure(e) && typeof e.path === "string") e = storageError(e, e.path);
    if (e instanceof DpoError) {
      printDiagnostics(e.diagnostics, projectRoot(process.argv.slice(2)));
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`dpo: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 70;
    }
  },
);
