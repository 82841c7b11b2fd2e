/**
 * Gold preference files for quality/calibration (docs/gold-preferences.md).
 * JSONL, one judgement per line, in either form:
 * - by text, as AlpacaEval writes its annotations, read as they are:
 *   `{instruction | prompt, output_1, output_2, preference}` with preference
 *   in [1, 2]: 1 = output_1 preferred, 2 = output_2, fractions in between
 *   (1.5 = no preference). Other keys (generator_1, annotator, …) are ignored.
 * - by pair id: `{pair, preference}` with 1 = the pair's chosen, 2 = its rejected.
 * A preference of 0 or null is no label (AlpacaEval writes 0 for identical
 * outputs): the line is skipped and counted. Anything else malformed is an
 * error at file:line.
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import type { PluginContext } from "../../engine/plugin.js";
import { readProjectText } from "../rubric/read.js";
import { normalisePrompt, normaliseText } from "../text/normalise.js";

export interface GoldLine {
  file: string;
  line: number;
  /** P(the second side is preferred): preference − 1, in [0, 1]. */
  second: number;
  /** Set for a by-text line: the match key of its prompt and two outputs, in file order. */
  text?: { prompt: string; first: string; second: string };
  /** Set for a by-pair-id line (first = chosen, second = rejected). */
  pair?: string;
}

export interface GoldSet {
  lines: GoldLine[];
  /** Lines with no label (preference 0 or null). */
  unlabelled: number;
}

const MAX_ERRORS = 50;

export async function readGold(ctx: PluginContext<any>, files: readonly string[]): Promise<GoldSet> {
  const lines: GoldLine[] = [];
  const errors: Diagnostic[] = [];
  let unlabelled = 0;
  for (const file of files) {
    const text = await readProjectText(ctx, file, "gold file");
    text.split(/\r?\n/).forEach((raw, i) => {
      if (!raw.trim() || errors.length >= MAX_ERRORS) return;
      const parsed = parseGoldLine(raw, file, i + 1);
      if (parsed === "unlabelled") unlabelled++;
      else if ("message" in parsed) errors.push(parsed);
      else lines.push(parsed);
    });
  }
  if (errors.length > 0) throw new DpoError(errors);
  return { lines, unlabelled };
}

export function parseGoldLine(raw: string, file: string, line: number): GoldLine | Diagnostic | "unlabelled" {
  const fail = (message: string, hint?: string): Diagnostic => ({ severity: "error", message, location: { file, line }, ...(hint ? { hint } : {}) });
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return fail(`gold line is not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return fail("gold line is not a JSON object");
  const p = v.preference;
  if (p === 0 || p === null) return "unlabelled";
  if (typeof p !== "number" || p < 1 || p > 2) return fail(`\`preference\` is ${JSON.stringify(p)}, expected a number from 1 (first preferred) to 2 (second)`);
  const base = { file, line, second: p - 1 };
  if (v.pair !== undefined) {
    if (typeof v.pair !== "string" || !v.pair) return fail("`pair` must be a pair id");
    return { ...base, pair: v.pair };
  }
  const prompt = v.prompt ?? v.instruction;
  if (!isPrompt(prompt)) return fail("gold line names no prompt", "give `instruction` or `prompt` (text or messages) with `output_1` and `output_2`, or a `pair` id");
  if (typeof v.output_1 !== "string" || typeof v.output_2 !== "string") return fail("gold line needs `output_1` and `output_2` texts");
  return { ...base, text: { prompt: normalisePrompt(prompt), first: normaliseText(v.output_1), second: normaliseText(v.output_2) } };
}

function isPrompt(p: unknown): p is string | { role: string; content: string }[] {
  return typeof p === "string" || (Array.isArray(p) && p.every((m) => typeof m?.role === "string" && typeof m?.content === "string"));
}

/** The side gold prefers, with P(chosen preferred) and where the line is. */
export interface GoldVerdict {
  /** P(chosen preferred), in [0, 1]. */
  chosen: number;
  side: "chosen" | "rejected" | "tie";
  where: string;
}

export interface PairTexts {
  id: string;
  prompt: unknown;
  chosen: string;
  rejected: string;
}

/**
 * Gold verdicts by pair id. A by-text line covers a pair when the prompts
 * match and the pair's two responses are gold's two outputs (in either order),
 * all after normalisation. The first line that covers a pair wins; later ones
 * are counted as duplicates.
 */
export function matchGold(gold: GoldSet, pairs: Iterable<PairTexts>): GoldMatches {
  const matcher = goldMatcher(gold);
  for (const p of pairs) matcher.match(p);
  return matcher.result();
}

export interface GoldMatches {
  verdicts: Map<string, GoldVerdict>;
  matchedLines: number;
  duplicates: number;
}

/** matchGold one pair at a time, for a stream of pairs (in the same order, the same result). */
export function goldMatcher(gold: GoldSet): { match(p: PairTexts): void; result(): GoldMatches } {
  const byText = new Map<string, { line: GoldLine; flipped: boolean }>();
  const byPair = new Map<string, GoldLine>();
  for (const l of gold.lines) {
    if (l.pair !== undefined) {
      if (!byPair.has(l.pair)) byPair.set(l.pair, l);
    } else {
      const t = l.text!;
      const forward = key(t.prompt, t.first, t.second);
      if (!byText.has(forward)) byText.set(forward, { line: l, flipped: false });
      const backward = key(t.prompt, t.second, t.first);
      if (!byText.has(backward)) byText.set(backward, { line: l, flipped: true });
    }
  }
  const verdicts = new Map<string, GoldVerdict>();
  const used = new Set<GoldLine>();
  let duplicates = 0;
  const match = (p: PairTexts) => {
    let chosen: number | undefined;
    let line: GoldLine | undefined;
    const direct = byPair.get(p.id);
    if (direct) {
      line = direct;
      chosen = 1 - direct.second;
    } else if (typeof p.prompt === "string" || Array.isArray(p.prompt)) {
      const hit = byText.get(key(normalisePrompt(p.prompt as string), normaliseText(p.chosen), normaliseText(p.rejected)));
      if (hit) {
        line = hit.line;
        // Not flipped: chosen is output_1, so P(chosen) = 1 − P(second).
        chosen = hit.flipped ? hit.line.second : 1 - hit.line.second;
      }
    }
    if (line === undefined || chosen === undefined) return;
    if (used.has(line)) duplicates++;
    used.add(line);
    verdicts.set(p.id, { chosen, side: chosen > 0.5 ? "chosen" : chosen < 0.5 ? "rejected" : "tie", where: `${line.file}:${line.line}` });
  };
  return { match, result: () => ({ verdicts, matchedLines: used.size, duplicates }) };
}

const key = (prompt: string, a: string, b: string) => `${prompt}\u0000${a}\u0000${b}`;
