/**
 * The report's plots, as inline SVG strings: a histogram's bins, a grouped bar
 * chart (histograms are bar charts over bins) and horizontal stacked bars (a
 * mix per row). No library: a few rectangles and labels are all a report
 * needs, and writing them here keeps the page free of scripts from elsewhere.
 * Every label is escaped; every coordinate is rounded, so the same data gives
 * the same bytes.
 */
import { escapeHtml, num } from "./escape.js";

export interface Bins {
  /** Each bin's centre, as its label. */
  labels: string[];
  counts: number[];
}

/**
 * Counts values in bins of width `step` centred on multiples of `step`
 * (scores 1…5 in steps of 0.5 give bins 1, 1.5, …, 5). The range covers the
 * values, widened to `min`/`max` when given; `step` doubles until there are
 * at most `maxBins` bins.
 */
export function binValues(values: readonly number[], o: { step?: number; min?: number; max?: number; maxBins?: number } = {}): Bins {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0 && (o.min === undefined || o.max === undefined)) return { labels: [], counts: [] };
  let step = o.step ?? 0.5;
  // A loop, not Math.min(...values): spreading 100,000 arguments overflows the stack.
  let lo = o.min ?? Infinity;
  let hi = o.max ?? -Infinity;
  for (const v of finite) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  while ((hi - lo) / step + 1 > (o.maxBins ?? 40)) step *= 2;
  const first = Math.round(lo / step);
  const last = Math.round(hi / step);
  const counts = new Array<number>(last - first + 1).fill(0);
  for (const v of finite) counts[Math.round(v / step) - first]!++;
  const labels = counts.map((_, i) => num((first + i) * step));
  return { labels, counts };
}

export interface Series {
  name: string;
  /** A CSS colour. */
  color: string;
  /** One value per category. */
  values: readonly number[];
}

export interface BarChartSpec {
  title: string;
  categories: readonly string[];
  series: readonly Series[];
  xLabel?: string;
  yLabel?: string;
}

const W = 480;
const H = 240;
const PAD = { left: 44, right: 12, top: 30, bottom: 42 };

/** Vertical bars, one group per category and one bar per series in it. */
export function barChart(spec: BarChartSpec): string {
  const { categories, series } = spec;
  const max = niceMax(series.reduce((m, s) => s.values.reduce((a, v) => Math.max(a, v), m), 0));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const parts: string[] = [chartTitle(spec.title)];
  if (categories.length === 0 || max === 0) return svg(spec.title, W, H, [...parts, noData(W, H)]);
  parts.push(...yAxis(max, plotW, plotH));
  const slot = plotW / categories.length;
  const barW = (slot * 0.8) / series.length;
  const every = Math.ceil(categories.length / 16); // at most 16 category labels
  categories.forEach((category, i) => {
    const x0 = PAD.left + i * slot + slot * 0.1;
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const h = (v / max) * plotH;
      parts.push(
        `<rect x="${r(x0 + j * barW)}" y="${r(PAD.top + plotH - h)}" width="${r(Math.max(barW - 1, 1))}" height="${r(h)}" fill="${s.color}">` +
          `<title>${escapeHtml(`${series.length > 1 ? `${s.name}, ` : ""}${category}: ${num(v)}`)}</title></rect>`,
      );
    });
    if (i % every === 0) {
      parts.push(`<text x="${r(PAD.left + (i + 0.5) * slot)}" y="${H - PAD.bottom + 14}" text-anchor="middle" class="tick">${escapeHtml(category)}</text>`);
    }
  });
  if (spec.xLabel) parts.push(`<text x="${r(PAD.left + plotW / 2)}" y="${H - 6}" text-anchor="middle" class="axis">${escapeHtml(spec.xLabel)}</text>`);
  if (spec.yLabel) parts.push(`<text x="10" y="${r(PAD.top + plotH / 2)}" text-anchor="middle" class="axis" transform="rotate(-90 10 ${r(PAD.top + plotH / 2)})">${escapeHtml(spec.yLabel)}</text>`);
  if (series.length > 1) parts.push(legend(series.map((s) => ({ name: s.name, color: s.color })), W - PAD.right));
  return svg(spec.title, W, H, parts);
}

export interface StackRow {
  label: string;
  parts: readonly { name: string; value: number }[];
}

/** One horizontal bar per row, split into its parts (a mix: sources per iteration), each as a share of the row. */
export function stackedBars(spec: { title: string; rows: readonly StackRow[]; colors: Readonly<Record<string, string>> }): string {
  const left = 110;
  const rowH = 26;
  const names = [...new Set(spec.rows.flatMap((row) => row.parts.map((p) => p.name)))];
  const legendRows = Math.ceil(names.length / 4);
  const height = PAD.top + spec.rows.length * rowH + 10 + legendRows * 16;
  const parts: string[] = [chartTitle(spec.title)];
  if (spec.rows.length === 0) return svg(spec.title, W, H, [...parts, noData(W, H)]);
  const plotW = W - left - PAD.right;
  spec.rows.forEach((row, i) => {
    const y = PAD.top + i * rowH;
    const total = row.parts.reduce((s, p) => s + p.value, 0);
    parts.push(`<text x="${left - 6}" y="${y + rowH / 2 + 4}" text-anchor="end" class="tick">${escapeHtml(row.label)}</text>`);
    let x = left;
    for (const p of row.parts) {
      const w = total > 0 ? (p.value / total) * plotW : 0;
      parts.push(
        `<rect x="${r(x)}" y="${y + 3}" width="${r(w)}" height="${rowH - 6}" fill="${spec.colors[p.name] ?? "#999"}">` +
          `<title>${escapeHtml(`${row.label}, ${p.name}: ${p.value} (${num((100 * p.value) / (total || 1), 1)}%)`)}</title></rect>`,
      );
      x += w;
    }
  });
  const legendY = PAD.top + spec.rows.length * rowH + 8;
  names.forEach((name, i) => {
    const x = 10 + (i % 4) * 118;
    const y = legendY + Math.floor(i / 4) * 16;
    parts.push(`<rect x="${x}" y="${y}" width="10" height="10" fill="${spec.colors[name] ?? "#999"}"/>`);
    parts.push(`<text x="${x + 14}" y="${y + 9}" class="tick">${escapeHtml(name)}</text>`);
  });
  return svg(spec.title, W, height, parts);
}

/** A fixed palette, assigned to names in order (sorted names: same name, same colour in every chart). */
export const PALETTE = ["#2a9d8f", "#e76f51", "#264653", "#e9c46a", "#8d6cab", "#f4a261", "#457b9d", "#a8dadc", "#6d597a", "#b5838d"];

export function colorsFor(names: readonly string[]): Record<string, string> {
  return Object.fromEntries([...names].sort().map((n, i) => [n, PALETTE[i % PALETTE.length]!]));
}

function svg(title: string, width: number, height: number, parts: string[]): string {
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">` +
    parts.join("") +
    `</svg>`
  );
}

function chartTitle(title: string): string {
  return `<title>${escapeHtml(title)}</title><text x="${W / 2}" y="18" text-anchor="middle" class="title">${escapeHtml(title)}</text>`;
}

function noData(width: number, height: number): string {
  return `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="axis">no data</text>`;
}

function yAxis(max: number, plotW: number, plotH: number): string[] {
  const out = [`<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" class="grid"/>`];
  for (const f of [0.5, 1]) {
    const y = r(PAD.top + plotH - f * plotH);
    out.push(`<line x1="${PAD.left}" y1="${y}" x2="${PAD.left + plotW}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${PAD.left - 4}" y="${y + 4}" text-anchor="end" class="tick">${num(f * max)}</text>`);
  }
  out.push(`<text x="${PAD.left - 4}" y="${PAD.top + plotH + 4}" text-anchor="end" class="tick">0</text>`);
  return out;
}

function legend(items: { name: string; color: string }[], right: number): string {
  return items
    .map((item, i) => {
      const y = PAD.top + i * 14;
      return (
        `<rect x="${right - 92}" y="${y - 8}" width="10" height="10" fill="${item.color}"/>` +
        `<text x="${right - 78}" y="${y + 1}" class="tick">${escapeHtml(item.name)}</text>`
      );
    })
    .join("");
}

/** The smallest 1, 2 or 5 × 10^k at or above x, so axis labels are round numbers. */
export function niceMax(x: number): number {
  if (x <= 0) return 0;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function r(x: number): number {
  return Math.round(x * 10) / 10;
}
