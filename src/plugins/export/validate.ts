/**
 * Checks exported JSONL files against the format they claim, as their consumer
 * reads them: required keys and types, message roles, no extra keys where the
 * consumer forbids them (OpenAI), the separator between prompt and completion
 * in standard TRL rows, the same columns in every row and no null in a numeric
 * column. Used by the export stage on what it writes and by `dpo check`.
 */
import { FORMATS, TRL_COLUMNS, type FormatName } from "./formats.js";

export interface FileProblem {
  /** 1-based line of the file. */
  line: number;
  message: string;
}

type Row = Record<string, unknown>;
const ROLES = new Set(["system", "user", "assistant"]);
const MAX_PROBLEMS = 20;

/** The problems of one row, by format (empty when it is fine). */
const ROW_CHECKS: Record<FormatName, (row: Row) => string[]> = {
  "trl-conversational": (r) => [
    ...messages(r.prompt, "prompt"),
    ...messages(r.chosen, "chosen", "assistant"),
    ...messages(r.rejected, "rejected", "assistant"),
  ],
  trl: (r) => {
    const problems = [...text(r.prompt, "prompt"), ...text(r.chosen, "chosen"), ...text(r.rejected, "rejected")];
    if (problems.length > 0) return problems;
    return (["chosen", "rejected"] as const)
      .filter((side) => !separated(r.prompt as string, r[side] as string))
      .map((side) => `no whitespace between \`prompt\` and \`${side}\`: TRL tokenizes prompt + ${side}, so the boundary would merge`);
  },
  openai: (r) => [
    ...onlyKeys(r, ["input", "preferred_output", "non_preferred_output"], "a row"),
    ...(isObject(r.input)
      ? [...onlyKeys(r.input, ["messages", "tools", "parallel_tool_calls"], "`input`"), ...messages(r.input.messages, "input.messages")]
      : ["`input` must be an object {messages}"]),
    ...messages(r.preferred_output, "preferred_output", "assistant", 1),
    ...messages(r.non_preferred_output, "non_preferred_output", "assistant", 1),
  ],
  hh: (r) => [...transcript(r.chosen, "chosen"), ...transcript(r.rejected, "rejected")],
  unpaired: (r) => [
    ...messages(r.prompt, "prompt"),
    ...messages(r.completion, "completion", "assistant"),
    ...(typeof r.label === "boolean" ? [] : ["`label` must be true or false"]),
  ],
};

/** The keys a format's rows are made of; any other key is an extra column. */
const FORMAT_KEYS: Record<FormatName, readonly string[]> = {
  "trl-conversational": ["prompt", "chosen", "rejected"],
  trl: ["prompt", "chosen", "rejected"],
  openai: ["input", "preferred_output", "non_preferred_output"],
  hh: ["chosen", "rejected"],
  unpaired: ["prompt", "completion", "label"],
};

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}

/** The problems of a JSONL file in `format` (at most MAX_PROBLEMS), each at its line. */
export function validateJsonl(format: FormatName, content: string): FileProblem[] {
  const check = new JsonlCheck(format);
  check.write(content);
  return check.end();
}

/**
 * The same check over a file that arrives in chunks (the export checks what it
 * writes as it writes it): only the columns seen and the first null of each
 * column are kept, never the file.
 */
export class JsonlCheck {
  private readonly found: FileProblem[] = [];
  private line = 0;
  /** The unfinished last line of the chunks so far. */
  private rest = "";
  private columns: string | null = null;
  private readonly numeric = new Set<string>();
  private readonly nulls = new Map<string, number>();

  constructor(private readonly format: FormatName) {}

  write(chunk: string): void {
    const lines = (this.rest + chunk).split("\n");
    this.rest = lines.pop()!;
    for (const text of lines) this.row(text);
  }

  /** The problems, in line order; a last line without its newline is checked too. */
  end(): FileProblem[] {
    if (this.rest !== "") this.row(this.rest);
    this.rest = "";
    for (const [key, line] of this.nulls) if (this.numeric.has(key)) this.add(line, `\`${key}\` is null here and a number elsewhere: a null in a numeric column breaks TRL's collator`);
    return [...this.found].sort((a, b) => a.line - b.line);
  }

  private add(line: number, message: string): void {
    if (this.found.length < MAX_PROBLEMS) this.found.push({ line, message });
  }

  private row(text: string): void {
    const line = ++this.line;
    const row = parse(text);
    if (!row) return this.add(line, "not a JSON object");
    for (const message of [...ROW_CHECKS[this.format](row), ...extraColumnProblems(this.format, row)]) this.add(line, message);
    const keys = Object.keys(row).join(",");
    if (this.columns === null) this.columns = keys;
    else if (keys !== this.columns) this.add(line, `columns differ from line 1 (${keys || "none"} vs ${this.columns}): every row needs the same columns`);
    for (const [key, value] of Object.entries(row)) {
      if (typeof value === "number") this.numeric.add(key);
      if (value === null && !this.nulls.has(key)) this.nulls.set(key, line);
    }
  }
}

function extraColumnProblems(format: FormatName, row: Row): string[] {
  const extras = Object.keys(row).filter((k) => !FORMAT_KEYS[format].includes(k));
  if (format === "openai") return []; // onlyKeys already names them
  return extras
    .filter((k) => (TRL_COLUMNS as readonly string[]).includes(k))
    .map((k) => `extra column \`${k}\` has the name of a column TRL reads${k === "margin" ? " (RewardTrainer uses it as a loss margin)" : ""}`);
}

function parse(text: string): Row | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Row {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function text(v: unknown, name: string): string[] {
  return typeof v === "string" ? [] : [`\`${name}\` must be a string`];
}

/** A list of {role, content} messages, non-empty; `role` (if given) for every one; `count` (if given) exactly. */
function messages(v: unknown, name: string, role?: string, count?: number): string[] {
  if (!Array.isArray(v) || v.length === 0) return [`\`${name}\` must be a non-empty list of {role, content} messages`];
  if (count !== undefined && v.length !== count) return [`\`${name}\` must hold exactly ${count} message`];
  const problems: string[] = [];
  v.forEach((m, i) => {
    if (!isObject(m) || typeof m.content !== "string" || !ROLES.has(m.role as string)) {
      problems.push(`\`${name}[${i}]\` must be {role: system|user|assistant, content: string}`);
    } else if (role && m.role !== role) problems.push(`\`${name}[${i}].role\` must be "${role}", not "${String(m.role)}"`);
  });
  return problems;
}

function onlyKeys(v: Row, allowed: readonly string[], what: string): string[] {
  const extra = Object.keys(v).filter((k) => !allowed.includes(k));
  const missing = what === "a row" ? allowed.filter((k) => !(k in v)) : [];
  return [
    ...extra.map((k) => `${what} may not have key \`${k}\` (the consumer rejects unknown keys; allowed: ${allowed.join(", ")})`),
    ...missing.map((k) => `missing key \`${k}\``),
  ];
}

function transcript(v: unknown, name: string): string[] {
  if (typeof v !== "string") return [`\`${name}\` must be a string`];
  if (!v.includes("\n\nHuman: ")) return [`\`${name}\` must be an HH transcript with a "\\n\\nHuman: " turn`];
  if (!v.includes("\n\nAssistant: ")) return [`\`${name}\` must end with an "\\n\\nAssistant: " turn`];
  return [];
}

/** Whether the concatenation prompt + completion has whitespace at the boundary. */
export function separated(prompt: string, completion: string): boolean {
  return /\s$/u.test(prompt) || /^\s/u.test(completion);
}
