/**
 * How one rater of pair directions (a judge, or the pair set's own chosen
 * side) does against gold, over the pairs gold covers:
 * - coverage: covered pairs the rater has a verdict on, over all pairs;
 * - accuracy: over those where gold prefers a side, the share where the rater
 *   prefers the same side (a rater's tie counts half);
 * - κ: Cohen's κ of rater and gold on sides (first / second / tie), sides
 *   oriented by candidate id rather than chosen/rejected, so the pair
 *   direction, which always says "chosen", is not a constant rater;
 * - prefersLonger: over covered pairs whose responses differ in word count
 *   and where the rater prefers a side, the share preferring the longer one;
 *   goldPrefersLonger: the same for gold, on the pairs it prefers a side;
 * - positionConsistency: for pairwise verdicts that say whether both orders
 *   agreed (`consistent` on a pair's judge entry), the share that did.
 */
import { words } from "../judge/text-features.js";
import type { GoldVerdict } from "./gold.js";
import { cohenKappa } from "./metrics/cohen-kappa.js";

export type Side = "chosen" | "rejected" | "tie";

export interface RatedPair {
  id: string;
  chosenId: string;
  rejectedId: string;
  chosenWords: number;
  rejectedWords: number;
  /** Verdict by rater name; a rater absent from a pair has none. */
  verdicts: Map<string, { prefers: Side; consistent?: boolean }>;
}

export interface Calibration {
  subject: string;
  kind: "judge" | "direction";
  pairs: number;
  covered: number;
  coverage: number;
  accuracy: number | null;
  kappa: number | null;
  prefersLonger: number | null;
  goldPrefersLonger: number | null;
  positionConsistency: number | null;
}

export const DIRECTION = "pair direction";

export function calibrate(subject: string, kind: Calibration["kind"], pairs: readonly RatedPair[], gold: ReadonlyMap<string, GoldVerdict>): Calibration {
  const covered = pairs.flatMap((p) => {
    const g = gold.get(p.id);
    const v = kind === "direction" ? { prefers: "chosen" as Side } : p.verdicts.get(subject);
    return g && v ? [{ p, g, v }] : [];
  });
  const decided = covered.filter((c) => c.g.side !== "tie");
  const credit = (c: (typeof covered)[number]) => (c.v.prefers === c.g.side ? 1 : c.v.prefers === "tie" ? 0.5 : 0);
  const oriented = (c: (typeof covered)[number], side: Side) => orient(c.p, side);
  const kappa = cohenKappa(covered.map((c) => oriented(c, c.v.prefers)), covered.map((c) => oriented(c, c.g.side))).kappa;
  const lengthy = covered.filter((c) => c.p.chosenWords !== c.p.rejectedWords);
  const longer = (c: (typeof covered)[number]): Side => (c.p.chosenWords > c.p.rejectedWords ? "chosen" : "rejected");
  const raterLonger = lengthy.filter((c) => c.v.prefers !== "tie");
  const goldLonger = lengthy.filter((c) => c.g.side !== "tie");
  const checked = covered.filter((c) => typeof c.v.consistent === "boolean");
  return {
    subject,
    kind,
    pairs: pairs.length,
    covered: covered.length,
    coverage: pairs.length ? round(covered.length / pairs.length) : 0,
    accuracy: share(decided.map(credit)),
    kappa: kappa === null ? null : round(kappa),
    prefersLonger: share(raterLonger.map((c) => Number(c.v.prefers === longer(c)))),
    goldPrefersLonger: share(goldLonger.map((c) => Number(c.g.side === longer(c)))),
    positionConsistency: share(checked.map((c) => Number(c.v.consistent))),
  };
}

/** A side named by position (the candidate with the smaller id first), not by chosen/rejected. */
function orient(p: RatedPair, side: Side): "first" | "second" | "tie" {
  if (side === "tie") return "tie";
  const chosenFirst = p.chosenId < p.rejectedId;
  return (side === "chosen") === chosenFirst ? "first" : "second";
}

export function wordCount(text: string): number {
  return words(text).length;
}

function share(xs: number[]): number | null {
  return xs.length === 0 ? null : round(xs.reduce((a, b) => a + b, 0) / xs.length);
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
