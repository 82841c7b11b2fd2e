/**
 * Per export iteration (from export/iterations' membership records, streamed): how many
 * train and eval pairs and prompts it holds, their mean margin, the tokens
 * their prompts' candidates cost to generate (when a candidates stage is an
 * input and its candidates record usage) and where its pairs come from.
 */
import type { Rec } from "../../engine/plugin.js";
import { pick } from "./inputs.js";
import { numberOrNull } from "./pairs-table.js";

export interface IterationRow {
  name: string;
  train: number;
  eval: number;
  prompts: number;
  marginMean: number | null;
  /** Null when no input records token usage. */
  tokens: number | null;
  /** The tokens at the generation stages' price per token; null when unpriced. */
  usd: number | null;
  /** Source (the `sourceBy` field, else the source file) → pairs, sorted by source. */
  sources: Record<string, number>;
}

export interface Iterations {
  rows: IterationRow[];
  /** Train pairs beyond the largest slice. */
  unused: number;
}

export const UNKNOWN = "(unknown)";

/** What the candidates stages say of tokens: whether any records usage (else tokens are unknown, not 0), and their price per token. */
export interface Tokens {
  any: boolean;
  usdPerToken: number | null;
}

/** What one iteration's train pairs (or the eval split, shared by all) add up to. */
class Share {
  pairs = 0;
  readonly margins: number[] = [];
  readonly sources = new Map<string, number>();
  /** Per prompt index: 1 if a pair of this share comes from it. */
  prompts: Uint8Array<ArrayBuffer> = new Uint8Array(1024);

  add(promptIndex: number, margin: number | null, source: string): void {
    this.pairs++;
    if (margin !== null) this.margins.push(margin);
    this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
    if (promptIndex >= this.prompts.length) this.prompts = grown(this.prompts, promptIndex);
    this.prompts[promptIndex] = 1;
  }
}

/**
 * Takes memberships one at a time, each with its pair, keeping per membership
 * only its margin and its prompt's index; then the candidates stages' token
 * counts for the exported prompts (`addTokens`).
 */
export class IterationsCollector {
  private readonly train = new Map<string, Share>();
  private readonly evalSplit = new Share();
  private unused = 0;
  private readonly promptIndex = new Map<string, number>();
  private tokens: Float64Array | null = null;

  constructor(private readonly sourceBy: string) {}

  add(m: Rec, pair: Rec | undefined): void {
    if (m.split === "unused") this.unused++;
    const names = Array.isArray(m.iterations) ? m.iterations.map(String) : [];
    for (const name of names) if (!this.train.has(name)) this.train.set(name, new Share());
    if (m.split !== "train" && m.split !== "eval") return;
    const prompt = this.indexOf(String(m.promptId));
    const [margin, source] = [numberOrNull(pair?.margin), sourceOf(pair, this.sourceBy)];
    if (m.split === "eval") this.evalSplit.add(prompt, margin, source);
    else for (const name of new Set(names)) this.train.get(name)!.add(prompt, margin, source);
  }

  /** A candidates record's tokens, if its prompt was exported; a later stage's count for a prompt replaces an earlier one's. */
  addTokens(promptId: string, used: number): void {
    const i = this.promptIndex.get(promptId);
    if (i === undefined) return;
    this.tokens ??= new Float64Array(this.promptIndex.size);
    this.tokens[i] = used;
  }

  result(tokens: Tokens): Iterations {
    const rows = [...this.train].map(([name, train]) => {
      const covered = this.coverage(train);
      const used = tokens.any ? covered.tokens : null;
      const { usdPerToken } = tokens;
      return {
        name,
        train: train.pairs,
        eval: this.evalSplit.pairs,
        prompts: covered.prompts,
        marginMean: meanOf([...train.margins, ...this.evalSplit.margins]),
        tokens: used,
        usd: used !== null && usdPerToken !== null ? Math.round(used * usdPerToken * 10_000) / 10_000 : null,
        sources: sortedCounts([train.sources, this.evalSplit.sources]),
      };
    });
    rows.sort((a, b) => a.train - b.train || (a.name < b.name ? -1 : 1));
    return { rows, unused: this.unused };
  }

  private indexOf(promptId: string): number {
    const known = this.promptIndex.get(promptId);
    if (known !== undefined) return known;
    this.promptIndex.set(promptId, this.promptIndex.size);
    return this.promptIndex.size - 1;
  }

  /** The prompts of an iteration (its train pairs' and the eval split's), and their tokens. */
  private coverage(train: Share): { prompts: number; tokens: number } {
    const covered = { prompts: 0, tokens: 0 };
    for (let i = 0; i < this.promptIndex.size; i++) {
      if (!train.prompts[i] && !this.evalSplit.prompts[i]) continue;
      covered.prompts++;
      covered.tokens += this.tokens?.[i] ?? 0;
    }
    return covered;
  }
}

function grown(a: Uint8Array, index: number): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(Math.max(a.length * 2, index + 1));
  bigger.set(a);
  return bigger;
}

export function sourceOf(pair: Rec | undefined, sourceBy: string): string {
  const value = pick(pair, sourceBy);
  if (typeof value === "string" || typeof value === "number") return String(value);
  const file = pick(pair, "source.file");
  return typeof file === "string" ? file : UNKNOWN;
}

/** Sorted first: a float sum depends on its order. */
function meanOf(values: number[]): number | null {
  if (values.length === 0) return null;
  return [...values].sort((a, b) => a - b).reduce((s, v) => s + v, 0) / values.length;
}

function sortedCounts(parts: readonly ReadonlyMap<string, number>[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const part of parts) for (const [k, n] of part) counts.set(k, (counts.get(k) ?? 0) + n);
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
