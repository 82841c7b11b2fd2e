/**
 * `dpo check [--tokenizer tokenizer.json] [--max-length N]`: checks every data
 * file of the built iterations under out/ against the format its manifest.json
 * says it is in (src/plugins/export/validate.ts, the same checks the export
 * stage runs), and that it is still the file the manifest describes. With a
 * tokenizer, also reports rows whose prompt + completion is longer than
 * max_length tokens (TRL would truncate them). One line per file; exit 1 when
 * any file has a format problem.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { userError } from "../../engine/diagnostic.js";
import { sha256 } from "../../engine/hash.js";
import { projectPaths } from "../../engine/paths.js";
import type { FormatName } from "../../plugins/export/formats.js";
import type { RowTokenizer } from "../../plugins/export/token-lengths.js";
import { isFormatName, validateJsonl } from "../../plugins/export/validate.js";
import { helpText, parse, positiveInt, printHelp, type CommandSpec } from "../args.js";

/** TRL's DPOConfig default `max_length`. */
const DEFAULT_MAX_LENGTH = 1024;

export const SPEC = {
  command: "dpo check",
  summary: "Check every exported file under out/ against the format its manifest names (exit 1 with file:line on a problem).",
  options: {
    tokenizer: { type: "string", value: "FILE", description: "the target model's tokenizer.json (its tokenizer_config.json beside it gives the chat template): report rows too long" },
    "max-length": { type: "string", value: "N", description: `with --tokenizer: report rows longer than N tokens (default ${DEFAULT_MAX_LENGTH}, TRL's default)` },
  },
} as const satisfies CommandSpec;
const MAX_LINES_PER_FILE = 10;

export interface CheckReport {
  /** What to print, one line per file plus one per problem or long row. */
  lines: string[];
  /** Files with a format problem. */
  failed: number;
  files: number;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  if (positionals.length > 0) {
    process.stdout.write(helpText(SPEC));
    return 2;
  }
  const maxLength = positiveInt(values["max-length"], "--max-length", DEFAULT_MAX_LENGTH);
  const report = await checkOutputs(root, { tokenizer: values.tokenizer, maxLength });
  for (const line of report.lines) process.stdout.write(`${line}\n`);
  process.stdout.write(`${report.files} files checked, ${report.failed} with problems\n`);
  return report.failed > 0 ? 1 : 0;
}

export async function checkOutputs(root: string, o: { tokenizer?: string; maxLength: number }): Promise<CheckReport> {
  const outDir = projectPaths(root).outDir;
  const manifests = existsSync(outDir)
    ? readdirSync(outDir, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(outDir, d.name, "manifest.json")))
    : [];
  if (manifests.length === 0) throw userError(`no built iterations under ${relative(root, outDir) || "."}/`, { hint: "run `dpo build` first" });
  let tokenizer: RowTokenizer | undefined;
  if (o.tokenizer !== undefined) {
    const { loadRowTokenizer } = await import("../../plugins/export/token-lengths.js");
    tokenizer = await loadRowTokenizer(join(root, o.tokenizer)).catch((e: unknown) => {
      throw userError(`cannot load tokenizer ${o.tokenizer}: ${(e as Error).message}`, { hint: "give the path of a tokenizer.json" });
    });
  }
  const report: CheckReport = { lines: [], failed: 0, files: 0 };
  for (const dir of manifests.map((d) => d.name).sort()) {
    const manifest = JSON.parse(readFileSync(join(outDir, dir, "manifest.json"), "utf8")) as { files?: Record<string, { kind: string; sha256: string }> };
    for (const [name, entry] of Object.entries(manifest.files ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!isFormatName(entry.kind)) continue;
      const path = relative(root, join(outDir, dir, name));
      report.files++;
      const problems = checkFile(join(root, path), path, entry.kind, entry.sha256);
      const long = problems.length === 0 && tokenizer ? longRows(join(root, path), path, entry.kind, tokenizer, o.maxLength) : null;
      if (problems.length > 0) report.failed++;
      report.lines.push(`${problems.length > 0 ? "FAIL" : "ok  "} ${path} (${entry.kind})${long ? `: ${long.summary}` : ""}`);
      report.lines.push(...problems.slice(0, MAX_LINES_PER_FILE).map((p) => `  ${p}`), ...(long?.lines ?? []).map((l) => `  ${l}`));
    }
  }
  return report;
}

function checkFile(abs: string, path: string, format: FormatName, digest: string): string[] {
  if (!existsSync(abs)) return [`${path}: missing (manifest.json lists it)`];
  const content = readFileSync(abs, "utf8");
  const problems = validateJsonl(format, content).map((p) => `${path}:${p.line}: ${p.message}`);
  if (sha256(content) !== digest) problems.push(`${path}: changed since it was exported (sha256 differs from manifest.json)`);
  return problems;
}

function longRows(abs: string, path: string, format: FormatName, tokenizer: RowTokenizer, maxLength: number): { summary: string; lines: string[] } {
  const rows = readFileSync(abs, "utf8").split("\n").filter(Boolean);
  let longest = 0;
  const over: string[] = [];
  rows.forEach((text, i) => {
    const lengths = tokenizer.lengths(format, JSON.parse(text) as Record<string, unknown>);
    const max = Math.max(0, ...lengths);
    longest = Math.max(longest, max);
    if (max > maxLength) over.push(`${path}:${i + 1}: ${max} tokens, longer than max_length ${maxLength} (TRL truncates it)`);
  });
  const how = tokenizer.chatTemplate || format === "trl" || format === "hh" ? "" : " (no chat template found: contents joined)";
  return {
    summary: `longest ${longest} tokens, ${over.length} of ${rows.length} rows longer than ${maxLength}${how}`,
    lines: over.slice(0, MAX_LINES_PER_FILE),
  };
}
