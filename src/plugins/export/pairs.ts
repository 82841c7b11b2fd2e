/**
 * Reads the upstream pair records (docs/records.md "Pair") into the few fields
 * an export needs, checking each one. Every bad record is reported, with the
 * file and line it came from when the pair carries its `source`.
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import { canonicalJson } from "../../engine/hash.js";
import type { Rec } from "../../engine/plugin.js";

export type Role = "system" | "user" | "assistant";
export interface Message {
  role: Role;
  content: string;
}
export type PromptValue = string | Message[];

export interface Side {
  id: string;
  text: string;
  model?: string;
  score?: number;
}

export interface ExportPair {
  id: string;
  promptId: string;
  prompt: PromptValue;
  /** The value of the `stratifyBy` field, as a string. */
  stratum: string;
  chosen: Side;
  rejected: Side;
  margin?: number;
  reason?: string;
  sourceFile?: string;
  rubric?: { name?: string; digest: string };
  agreement?: { share?: number; disputed?: boolean };
  /** The `judge` of each entry of the pair's `judges` (human judges are `human:<annotator>`). */
  judges?: string[];
}

/** The stratum of pairs without the `stratifyBy` field (all pairs, when it is null). */
export const NO_STRATUM = "(none)";

const ROLES = new Set<string>(["system", "user", "assistant"]);
export const MAX_REPORTED = 20;

export function readPairs(records: readonly Rec[], upstream: string, stratifyBy: string | null): ExportPair[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const pairs: ExportPair[] = [];
  records.forEach((rec, index) => {
    const problems = problemsOf(rec);
    if (seen.has(rec.id)) problems.push(`its id appears twice in the output of stage "${upstream}"`);
    seen.add(rec.id);
    if (problems.length === 0) pairs.push(toExportPair(rec, stratifyBy));
    else if (diagnostics.length < MAX_REPORTED) diagnostics.push(diagnosticFor(rec, index, upstream, problems));
  });
  if (diagnostics.length > 0) throw new DpoError(diagnostics);
  return pairs;
}

export function problemsOf(rec: Rec): string[] {
  const problems: string[] = [];
  if (typeof rec.promptId !== "string" || rec.promptId === "") problems.push("`promptId` must be a non-empty string");
  if (!isPrompt(rec.prompt)) {
    problems.push("`prompt` must be a string or a non-empty list of {role: system|user|assistant, content: string}");
  }
  for (const side of ["chosen", "rejected"] as const) {
    const s = rec[side] as Record<string, unknown> | undefined;
    if (typeof s !== "object" || s === null) problems.push(`\`${side}\` must be an object {id, text, model, score}`);
    else {
      if (typeof s.text !== "string") problems.push(`\`${side}.text\` must be a string`);
      if (typeof s.id !== "string") problems.push(`\`${side}.id\` must be a string`);
      if (s.score !== undefined && s.score !== null && typeof s.score !== "number") {
        problems.push(`\`${side}.score\` must be a number`);
      }
    }
  }
  return problems;
}

function isPrompt(p: unknown): p is PromptValue {
  if (typeof p === "string") return true;
  return (
    Array.isArray(p) &&
    p.length > 0 &&
    p.every((m) => typeof m === "object" && m !== null && ROLES.has(m.role) && typeof m.content === "string")
  );
}

export function diagnosticFor(rec: Rec, index: number, upstream: string, problems: string[]): Diagnostic {
  const source = rec.source as { file?: unknown; line?: unknown } | undefined;
  const location =
    typeof source?.file === "string"
      ? { file: source.file, ...(typeof source.line === "number" ? { line: source.line } : {}) }
      : undefined;
  return {
    severity: "error",
    message: `pair ${rec.id} (record ${index + 1} from stage "${upstream}") cannot be exported: ${problems.join("; ")}`,
    ...(location ? { location } : {}),
    hint: "export stages read pair records as described in docs/records.md (\"Pair\")",
  };
}

export function toExportPair(rec: Rec, stratifyBy: string | null): ExportPair {
  const side = (s: Record<string, unknown>): Side => ({
    id: s.id as string,
    text: s.text as string,
    ...(typeof s.model === "string" ? { model: s.model } : {}),
    ...(typeof s.score === "number" ? { score: s.score } : {}),
  });
  const source = rec.source as { file?: unknown } | undefined;
  const rubric = rec.rubric as { name?: unknown; digest?: unknown } | undefined;
  const agreement = rec.agreement as { share?: unknown; disputed?: unknown } | undefined;
  const judges = Array.isArray(rec.judges) ? rec.judges.map((j) => (j as { judge?: unknown })?.judge).filter((j): j is string => typeof j === "string") : [];
  return {
    id: rec.id,
    promptId: rec.promptId as string,
    prompt: rec.prompt as PromptValue,
    stratum: stratumOf(rec, stratifyBy),
    chosen: side(rec.chosen as Record<string, unknown>),
    rejected: side(rec.rejected as Record<string, unknown>),
    ...(typeof rec.margin === "number" ? { margin: rec.margin } : {}),
    ...(typeof rec.reason === "string" ? { reason: rec.reason } : {}),
    ...(typeof source?.file === "string" ? { sourceFile: source.file } : {}),
    ...(typeof rubric?.digest === "string"
      ? { rubric: { digest: rubric.digest, ...(typeof rubric.name === "string" ? { name: rubric.name } : {}) } }
      : {}),
    ...(typeof agreement === "object" && agreement !== null
      ? {
          agreement: {
            ...(typeof agreement.share === "number" ? { share: agreement.share } : {}),
            ...(typeof agreement.disputed === "boolean" ? { disputed: agreement.disputed } : {}),
          },
        }
      : {}),
    ...(judges.length > 0 ? { judges } : {}),
  };
}

/** The value at a dotted path (`meta.dataset`), as a string; NO_STRATUM when absent. */
export function stratumOf(rec: Rec, path: string | null): string {
  if (path === null) return NO_STRATUM;
  let value: unknown = rec;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null) return NO_STRATUM;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return NO_STRATUM;
  return typeof value === "string" ? value : canonicalJson(value);
}

/** A prompt as a list of messages: a plain instruction is one user message. */
export function promptMessages(prompt: PromptValue): Message[] {
  return typeof prompt === "string" ? [{ role: "user", content: prompt }] : prompt.map((m) => ({ role: m.role, content: m.content }));
}
