/**
 * quality/calibration: how each judge, and the pair set's own direction,
 * agree with trusted gold preferences (docs/gold-preferences.md): coverage,
 * accuracy, Cohen's κ, and how often each prefers the longer response beside
 * how often gold does (see calibration-stats.ts). Published as
 * `reports/calibration.json`, printed in the build log, and produced as one
 * `calibration` record per subject, which export/iterations takes (in its
 * `needs`, beside the pairs) to write the figures into manifests and cards.
 */
import { contentId } from "../../engine/hash.js";
import { definePlugin, type PluginContext, type Rec } from "../../engine/plugin.js";
import { calibrate, DIRECTION, wordCount, type Calibration, type RatedPair, type Side } from "./calibration-stats.js";
import { inputRecords } from "../stream/inputs.js";
import { goldMatcher, readGold, type PairTexts } from "./gold.js";
import { readJudgedPair } from "./judged-pair.js";

interface With {
  gold: string[];
  report: string;
}

export default definePlugin<With>({
  name: "quality/calibration",
  version: "1",
  description:
    "Measures judges and the final pair direction against gold preference files (AlpacaEval annotations or pair ids): " +
    "coverage, accuracy, Cohen's κ and P(prefers the longer response) beside gold's own.",
  inputs: { min: 1, accepts: ["pairs"] },
  output: "calibration",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["gold"],
    properties: {
      gold: {
        type: "array",
        minItems: 1,
        items: { type: "string", dpo: "file", description: "A gold preference file (JSONL)." },
        description:
          "Gold preference files, JSONL (docs/gold-preferences.md): AlpacaEval annotation lines as they are (`instruction`, `output_1`, `output_2`, `preference` 1–2, fractions allowed), or `{pair, preference}` by pair id.",
      },
      report: {
        type: "string",
        pattern: "^(?!.*\\.\\.)[^/\\\\].*$",
        default: "reports/calibration.json",
        description: "Where the JSON report is published, relative to out/.",
      },
    },
  },
  async run(ctx) {
    const gold = await readGold(ctx, ctx.with.gold);
    // One pass over the pairs: each is matched to the gold and kept only as its compact rating.
    const matcher = goldMatcher(gold);
    const rated: RatedPair[] = [];
    for await (const { rec, stage } of inputRecords(ctx.inputs)) {
      matcher.match(pairTexts(rec));
      rated.push(ratedPair(ctx, rec, stage));
    }
    const { verdicts, matchedLines, duplicates } = matcher.result();
    const judges = [...new Set(rated.flatMap((p) => [...p.verdicts.keys()]))].sort();
    const results = [calibrate(DIRECTION, "direction", rated, verdicts), ...judges.map((j) => calibrate(j, "judge", rated, verdicts))];

    ctx.tally("calibration.gold", gold.lines.length);
    ctx.tally("calibration.covered", verdicts.size);
    for (const c of results) if (c.accuracy !== null) ctx.tally(`calibration.accuracy.${c.subject.replace(/ /g, "-")}`, c.accuracy);
    ctx.log.info(calibrationTable(results, { gold: gold.lines.length, pairs: rated.length, covered: verdicts.size }));
    if (verdicts.size === 0) ctx.log.warn(`no pair is covered by the ${gold.lines.length} gold lines: nothing is calibrated (docs/gold-preferences.md says how lines match pairs)`);
    const goldSummary = { files: ctx.with.gold, lines: gold.lines.length, unlabelled: gold.unlabelled, matchedLines, duplicates };
    ctx.publish(ctx.with.report, `${JSON.stringify({ plugin: "quality/calibration", gold: goldSummary, pairs: rated.length, covered: verdicts.size, subjects: results }, null, 2)}\n`);
    return results.map((c): Rec => ({ id: contentId("calibration", c.subject), calibration: c }));
  },
});

const textOf = (side: unknown) => String((side as { text?: unknown } | undefined)?.text ?? "");

function pairTexts(rec: Rec): PairTexts {
  return { id: rec.id, prompt: rec.prompt, chosen: textOf(rec.chosen), rejected: textOf(rec.rejected) };
}

function ratedPair(ctx: PluginContext<With>, rec: Rec, stage: string): RatedPair {
  const pair = readJudgedPair(rec, stage, (message, hint) => ctx.diagnostic(`/needs/${Object.keys(ctx.inputs).indexOf(stage)}`, message, hint));
  const raw = rec.judges as { judge: string; consistent?: unknown }[];
  const verdicts = new Map<string, { prefers: Side; consistent?: boolean }>();
  pair.judges.forEach((j, i) => {
    const consistent = raw[i]?.consistent;
    verdicts.set(j.judge, typeof consistent === "boolean" ? { prefers: j.prefers, consistent } : { prefers: j.prefers });
  });
  return {
    id: rec.id,
    chosenId: pair.chosenId,
    rejectedId: pair.rejectedId,
    chosenWords: wordCount(textOf(rec.chosen)),
    rejectedWords: wordCount(textOf(rec.rejected)),
    verdicts,
  };
}

/** The log table: one row per subject. */
export function calibrationTable(results: readonly Calibration[], n: { gold: number; pairs: number; covered: number }): string {
  const f = (v: number | null) => (v === null ? "n/a" : v.toFixed(3));
  const width = Math.max(...results.map((c) => c.subject.length), 7);
  const lines = [
    `calibration against ${n.gold} gold preferences: ${n.covered} of ${n.pairs} pairs covered`,
    `  ${"subject".padEnd(width)}  covered  accuracy  Cohen's κ  P(longer)  gold P(longer)`,
    ...results.map(
      (c) =>
        `  ${c.subject.padEnd(width)}  ${String(c.covered).padStart(7)}  ${f(c.accuracy).padStart(8)}  ${f(c.kappa).padStart(9)}  ${f(c.prefersLonger).padStart(9)}  ${f(c.goldPrefersLonger).padStart(14)}` +
        (c.positionConsistency === null ? "" : `  position-consistent ${f(c.positionConsistency)}`),
    ),
  ];
  return lines.join("\n");
}
