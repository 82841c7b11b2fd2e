/**
 * report/html: a static, self-contained HTML report of what the build made,
 * published at `out/reports/index.html` (option `path`): per iteration counts,
 * yield, tokens and source mix; score and margin histograms per criterion;
 * agreement per criterion and per pair of judges; calibration where an input
 * carries it; the pairs, filterable to disputed ones; duplicate clusters.
 *
 * It streams its inputs' records (kinds told apart by shape, inputs.ts),
 * writes inline CSS, SVG and a few lines of script, and no timestamp: the same
 * inputs give the same bytes, and the page makes no request when opened.
 */
import { definePlugin } from "../../engine/plugin.js";
import { sha256, contentId } from "../../engine/hash.js";
import { LEVELS } from "../quality/metrics/krippendorff-alpha.js";
import { assemble, type ReportData, type ReportOptions } from "./assemble.js";
import { readInput } from "./inputs.js";
import { page } from "./page.js";
import { clustersSection, pairsSection } from "./pairs-section.js";
import { agreementSection, calibrationSection, iterationsSection, overviewSection, scoresSection } from "./sections.js";

interface With extends ReportOptions {
  path: string;
}

export default definePlugin<With>({
  name: "report/html",
  version: "1",
  description:
    "Writes a self-contained HTML report (inline SVG plots, no external requests): iterations, score and margin histograms, " +
    "agreement, calibration, a filterable table of pairs and the duplicate clusters.",
  inputs: { min: 1, accepts: ["prompts", "candidates", "judged", "pairs", "memberships", "calibration"] },
  output: "report",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      path: {
        type: "string",
        pattern: "^(?!.*\\.\\.)[^/\\\\].*\\.html$",
        default: "reports/index.html",
        description: "Where the report is published, relative to out/.",
      },
      title: { type: "string", minLength: 1, default: "Build report", description: "The page's title." },
      maxPairs: {
        type: "integer",
        minimum: 0,
        default: 2000,
        description: "Pairs listed in the table: the first maxPairs by id, plus up to maxPairs disputed pairs after them (the first by id); the table says how many it leaves out.",
      },
      maxClusters: { type: "integer", minimum: 0, default: 500, description: "Duplicate clusters listed." },
      textChars: {
        type: "integer",
        minimum: 20,
        default: 600,
        description: "Characters of each prompt and answer kept in the page (longer texts are cut with an ellipsis).",
      },
      sourceBy: {
        type: "string",
        minLength: 1,
        default: "meta.dataset",
        description: "Dotted path of the pair field naming its source, for the source mix (pairs without it: their source file).",
      },
      level: {
        enum: [...LEVELS],
        default: "interval",
        description: "Level of measurement for Krippendorff's α (use the agreement stage's).",
      },
    },
  },
  async run(ctx) {
    const inputs = [];
    for (const artifact of Object.values(ctx.inputs)) inputs.push(await readInput(artifact));
    const needsEntry = (stage: string) => `/needs/${Object.keys(ctx.inputs).indexOf(stage)}`;
    const data = await assemble(inputs, ctx.with, (stage) => (message, hint) => ctx.diagnostic(needsEntry(stage), message, hint));
    const html = render(data);
    ctx.publish(ctx.with.path, html);
    ctx.tally("report.pairs", data.table.rows.length);
    ctx.tally("report.clusters", data.clusters.list.length);
    return [
      {
        id: contentId("report", ctx.with.path),
        path: ctx.with.path,
        bytes: Buffer.byteLength(html),
        sha256: sha256(html),
        pairs: { total: data.table.total, shown: data.table.rows.length, disputed: data.table.disputed, criterionDisputed: data.table.criterionDisputed },
        iterations: data.iterations?.rows.map((r) => r.name) ?? [],
        clusters: data.clusters.total,
      },
    ];
  },
});

export function render(data: ReportData): string {
  return page(data.title, [
    overviewSection(data),
    iterationsSection(data.iterations, data.sourcePrompts),
    scoresSection(data),
    agreementSection(data.agreement, data.table),
    calibrationSection(data.calibration),
    pairsSection(data.table),
    clustersSection(data.clusters),
  ]);
}
