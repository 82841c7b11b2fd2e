/**
 * The browsable sections: the pair table (a row per pair with its reason,
 * per-criterion deltas, each judge's verdict and its fate, texts folded away;
 * the page's script filters it to disputed or dropped pairs) and the
 * duplicate clusters.
 */
import type { Clusters } from "./clusters.js";
import { escapeHtml as h, num, signed } from "./escape.js";
import type { PairRow, PairTable } from "./pairs-table.js";
import { plural, section, table } from "./sections.js";

export function pairsSection(t: PairTable): string {
  const dropped = t.rows.filter((r) => r.fate.startsWith("dropped")).length;
  const any = t.rows.filter((r) => r.dispute !== null).length;
  const options = [
    ["all", `all pairs (${t.rows.length})`],
    ["disputed", `disputed (${t.disputed})`],
    ["criterion", `disputed on a criterion only (${t.criterionDisputed})`],
    ["any", `any dispute (${any})`],
    ["dropped", `dropped (${dropped})`],
  ];
  const controls =
    `<div class="controls"><label>Show <select id="pair-filter">${options.map(([v, label]) => `<option value="${v}">${h(label!)}</option>`).join("")}</select></label>` +
    `<label>Search <input id="pair-search" type="search" placeholder="text, model, judge…"></label>` +
    `<span><span id="pair-count">${t.rows.length}</span> shown</span></div>`;
  const headers = ["pair", "chosen", "rejected", "margin", "share", "reason", "Δ per criterion", "judges", "fate"];
  return section("pairs", "Pairs", [
    `<p class="note">Every pair of ${t.stages.map((s) => `<code>${h(s)}</code>`).join(", ") || "no stage"}, as the last of them holds it. ` +
      `Share: the judges backing the chosen side (a tie counts half). Red rows are disputed, yellow ones disputed on some criteria only.` +
      (t.note ? ` <strong>${h(t.note)}</strong>.` : "") +
      `</p>`,
    controls,
    `<div class="wide">${table(headers, t.rows.map(pairRow), [3, 4], "pair-table")}</div>`,
  ]);
}

function pairRow(r: PairRow): string {
  const criteria = r.criteria
    .map((c) => `<span class="chip${r.disputedOn.includes(c.id) ? " disputed" : ""}">${h(c.id)} ${signed(c.delta, 1)}</span>`)
    .join(" ");
  const judges = r.judges
    .map((j) => `<span class="chip">${h(j.judge)}: <b class="${j.prefers === "chosen" ? "chosen" : j.prefers === "rejected" ? "rejected" : ""}">${h(j.prefers)}</b> ${num(j.chosen)}–${num(j.rejected)}</span>`)
    .join(" ");
  const texts =
    `<details><summary class="mono">${h(r.id)}</summary>` +
    `<b>prompt</b><pre>${h(r.prompt)}</pre><b class="chosen">chosen</b><pre>${h(r.chosen.text)}</pre><b class="rejected">rejected</b><pre>${h(r.rejected.text)}</pre></details>`;
  const dropped = r.fate.startsWith("dropped") ? "1" : "0";
  return (
    `<tr data-dispute="${r.dispute ?? ""}" data-dropped="${dropped}"><td>${texts}</td>` +
    `<td>${h(r.chosen.model)} <b>${num(r.chosen.score)}</b></td><td>${h(r.rejected.model)} <b>${num(r.rejected.score)}</b></td>` +
    `<td class="n">${num(r.margin, 3)}</td><td class="n">${num(r.share)}</td><td class="reason">${h(r.reason)}</td><td>${criteria}</td><td>${judges}</td><td>${h(r.fate)}</td></tr>`
  );
}

export function clustersSection(c: Clusters): string {
  if (c.total === 0) return section("duplicates", "Duplicate clusters", [`<p class="note">No input stage lists duplicates (a dedup stage's kept records carry them).</p>`]);
  const items = c.list.map((cluster) => {
    const members = cluster.members.map(
      (m) =>
        `<li><span class="mono">${h(m.id)}</span> similarity ${num(m.similarity, 4)}${m.source ? ` · ${h(m.source)}` : ""}` +
        `${m.text === null ? "" : `<pre>${h(m.text)}</pre>`}</li>`,
    );
    return (
      `<details><summary><code>${h(cluster.stage)}</code> kept <span class="mono">${h(cluster.id)}</span>, standing for ${cluster.members.length}: ${h(firstLine(cluster.text))}</summary>` +
      `<pre>${h(cluster.text)}</pre><ul>${members.join("")}</ul></details>`
    );
  });
  const capped = c.list.length < c.total ? ` Showing the first ${c.list.length} (raise \`maxClusters\` to show more).` : "";
  return section("duplicates", "Duplicate clusters", [
    `<p class="note">${plural(c.total, "kept record")} stand${c.total === 1 ? "s" : ""} for ${plural(c.removed, "removed duplicate")}.${h(capped)}</p>`,
    ...items,
  ]);
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
