/**
 * The report's summary sections as HTML: the inputs funnel, the export
 * iterations, score and margin histograms per criterion, agreement and
 * calibration. Every value from a record is escaped.
 */
import type { AgreementSummary } from "./agreement.js";
import type { ReportData } from "./assemble.js";
import type { Calibration } from "./calibration.js";
import type { Distribution } from "./distributions.js";
import { escapeHtml as h, num, percent } from "./escape.js";
import type { Iterations } from "./iterations.js";
import { barChart, binValues, colorsFor, stackedBars } from "./svg.js";

export const CHOSEN = "#2a9d8f";
export const REJECTED = "#e76f51";

export function overviewSection(d: ReportData): string {
  const first = d.funnel[0]?.records ?? 0;
  const rows = d.funnel.map(
    (f) =>
      `<tr><td class="mono">${h(f.stage)}</td><td>${h(f.kind)}</td><td class="n">${f.records}</td><td class="n">${percent(f.records, first)}</td>` +
      `<td class="n">${f.costUsd === null ? "—" : `$${f.costUsd.toFixed(4)}`}</td></tr>`,
  );
  const chart = barChart({
    title: "Records per input stage",
    categories: d.funnel.map((f) => f.stage),
    series: [{ name: "records", color: "#457b9d", values: d.funnel.map((f) => f.records) }],
  });
  return section("overview", "Inputs", [
    `<p class="note">The stages this report reads, in <code>needs</code> order; the share is of the first stage's records; cost: the stage's <code>cost.usd</code> tally (priced LLM calls), as in dpo.lock.</p>`,
    table(["stage", "holds", "records", "share", "cost (USD)"], rows, [2, 3, 4]),
    `<div class="charts">${chart}</div>`,
  ]);
}

export function iterationsSection(it: Iterations | null, sourcePrompts: number | null): string {
  if (!it || it.rows.length === 0) return section("iterations", "Iterations", [`<p class="note">No export stage among the inputs: add the export/iterations stage to <code>needs</code>.</p>`]);
  const rows = it.rows.map((r) => {
    const pairs = r.train + r.eval;
    const mix = Object.entries(r.sources).map(([s, n]) => `<span class="chip">${h(s)} ${n}</span>`).join(" ");
    return (
      `<tr><td class="mono">${h(r.name)}</td><td class="n">${r.train}</td><td class="n">${r.eval}</td><td class="n">${r.prompts}</td>` +
      `<td class="n">${sourcePrompts ? percent(pairs, sourcePrompts) : "—"}</td><td class="n">${num(r.marginMean, 3)}</td>` +
      `<td class="n">${r.tokens === null ? "—" : r.tokens}</td><td class="n">${r.usd === null ? "—" : `$${r.usd.toFixed(4)}`}</td><td>${mix}</td></tr>`
    );
  });
  const sources = [...new Set(it.rows.flatMap((r) => Object.keys(r.sources)))];
  const chart = stackedBars({
    title: "Source mix per iteration (train + eval)",
    rows: it.rows.map((r) => ({ label: r.name, parts: Object.entries(r.sources).map(([name, value]) => ({ name, value })) })),
    colors: colorsFor(sources),
  });
  return section("iterations", "Iterations", [
    `<p class="note">Yield: the iteration's pairs (train + eval) per source prompt${sourcePrompts ? ` (${sourcePrompts})` : ""}. ` +
      `Tokens: what the candidates of its prompts cost to generate, when the candidates record usage (— otherwise: recorded answers, or no candidates stage among the inputs); ` +
      `≈ USD: those tokens at the generation stages' price per token (their <code>cost.usd</code> over their tokens), where the models are priced.` +
      (it.unused ? ` ${it.unused} train pairs lie beyond the largest slice.` : "") +
      `</p>`,
    table(["iteration", "train", "eval", "prompts", "yield", "mean margin", "tokens", "≈ USD", "source mix"], rows, [1, 2, 3, 4, 5, 6, 7]),
    `<div class="charts">${chart}</div>`,
  ]);
}

export function scoresSection(d: ReportData): string {
  const { overall, criteria } = d.distributions;
  if (overall.chosen.length + overall.deltas.length === 0) return section("scores", "Scores and margins", [`<p class="note">No pairs among the inputs.</p>`]);
  // Each criterion's two charts side by side, so a row never splits them.
  const duo = (a: string, b: string) => `<div class="duo">${a}${b}</div>`;
  const charts = [duo(sideHistogram("aggregate score", overall), deltaHistogram("margin", overall))];
  for (const [id, dist] of criteria) charts.push(duo(sideHistogram(`${id}: scores`, dist), deltaHistogram(`${id}: delta (chosen − rejected)`, dist)));
  return section("scores", "Scores and margins", [
    `<p class="note">Over all ${d.table.total} pairs, as each pair records them: the aggregate score and margin, then per criterion both sides' scores (combined over judges) and their delta.</p>`,
    `<div class="charts scores">${charts.join("")}</div>`,
  ]);
}

function sideHistogram(title: string, d: Distribution): string {
  const all = [...d.chosen, ...d.rejected];
  const [min, max] = minMax(all);
  const range = all.length ? { min, max } : {}; // one range: both sides get the same bins
  const chosen = binValues(d.chosen, range);
  const rejected = binValues(d.rejected, range);
  return barChart({
    title,
    categories: chosen.labels.length ? chosen.labels : rejected.labels,
    series: [
      { name: "chosen", color: CHOSEN, values: chosen.counts },
      { name: "rejected", color: REJECTED, values: rejected.counts },
    ],
    xLabel: "score",
    yLabel: "pairs",
  });
}

function deltaHistogram(title: string, d: Distribution): string {
  const bins = binValues(d.deltas);
  return barChart({ title, categories: bins.labels, series: [{ name: "pairs", color: "#264653", values: bins.counts }], xLabel: "chosen − rejected", yLabel: "pairs" });
}

function minMax(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return [lo, hi];
}

export function agreementSection(a: AgreementSummary | null, pairs: ReportData["table"]): string {
  if (!a) return section("agreement", "Agreement", [`<p class="note">No pairs among the inputs.</p>`]);
  if (!a.stats) {
    return section("agreement", "Agreement", [`<p class="note">${a.judges.length === 0 ? "No judge" : `Only one judge (${h(a.judges[0]!)})`} in the pairs: nothing to compare.</p>`]);
  }
  const s = a.stats;
  const criteria = a.criteria.map(
    (c) => `<tr><td>${h(c.criterion)}</td><td class="n">${num(c.alpha, 3)}</td><td class="n">${c.judges}</td><td class="n">${num(c.meanShare, 3)}</td><td class="n">${c.disputed}</td></tr>`,
  );
  const judgePairs = s.cohen.map(
    (k) => `<tr><td>${h(k.a)}</td><td>${h(k.b)}</td><td class="n">${num(k.kappa, 3)}</td><td class="n">${num(k.observed, 3)}</td><td class="n">${k.items}</td></tr>`,
  );
  const chart = barChart({
    title: "Pairs disputed, per criterion",
    categories: a.criteria.map((c) => c.criterion),
    series: [{ name: "disputed", color: REJECTED, values: a.criteria.map((c) => c.disputed) }],
    yLabel: "pairs",
  });
  return section("agreement", "Agreement", [
    `<p class="note">${s.judges.length} judges (${s.judges.map(h).join(", ")}) on ${pairs.total} pairs and ${s.candidates} candidates. ` +
      `Krippendorff's α overall ${num(s.alpha.overall.alpha, 3)} (${h(s.alpha.overall.level)}); Fleiss' κ on directions ${num(s.fleiss.kappa, 3)} over ${s.fleiss.items} pairs. ` +
      `${plural(pairs.disputed, "pair")} disputed overall, ${pairs.criterionDisputed} more only on some criteria.</p>`,
    `<h3>Per criterion</h3>`,
    `<p class="note">α needs two judges scoring a criterion. Mean share and disputed pairs are over the ${plural(a.withAgreement, "pair")} that carry <code>agreement</code> (quality/agreement adds it; pairs it drops do not carry it).</p>`,
    table(["criterion", "α", "judges", "mean share", "disputed"], criteria, [1, 2, 3, 4]),
    `<div class="charts">${chart}</div>`,
    `<h3>Per pair of judges (Cohen's κ on pair directions)</h3>`,
    table(["judge", "judge", "κ", "observed agreement", "pairs"], judgePairs, [2, 3, 4]),
  ]);
}

export function calibrationSection(list: readonly Calibration[]): string {
  if (list.length === 0) return "";
  const blocks = list.map((c) => {
    const rows = c.rows.map((r) => `<tr><td>${h(r.judge)}</td>${c.columns.map((col) => `<td class="n">${cell(r.values[col])}</td>`).join("")}</tr>`);
    return `<h3>From stage <code>${h(c.stage)}</code></h3>` + table(["judge", ...c.columns], rows, c.columns.map((_, i) => i + 1));
  });
  return section("calibration", "Calibration against gold", blocks);
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function cell(v: string | number | boolean | null | undefined): string {
  if (typeof v === "number") return num(v, 3);
  return v === undefined || v === null ? "—" : h(String(v));
}

export function section(id: string, title: string, body: readonly string[]): string {
  return `<section id="${id}"><h2>${h(title)}</h2>\n${body.join("\n")}\n</section>`;
}

/** A table; `numeric` lists the columns aligned as numbers. */
export function table(headers: readonly string[], rows: readonly string[], numeric: readonly number[] = [], id?: string): string {
  const head = headers.map((x, i) => `<th${numeric.includes(i) ? ' class="n"' : ""}>${h(x)}</th>`).join("");
  return `<table${id ? ` id="${id}"` : ""}><thead><tr>${head}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

