/**
 * Text into HTML and SVG, and numbers into short stable text. Every string a
 * record carries (prompts, answers, judge names) goes through `escapeHtml`
 * before it reaches the page, so a prompt holding `<script>` stays text.
 */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A number with at most `digits` decimals, no trailing zeros, no "-0"; "—" for null. */
export function num(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  const r = Number(x.toFixed(digits));
  return String(r === 0 ? 0 : r);
}

/** A signed number (`+2`, `-0.5`, `0`). */
export function signed(x: number | null | undefined, digits = 2): string {
  const text = num(x, digits);
  return x !== null && x !== undefined && Number(text) > 0 ? `+${text}` : text;
}

/** A share as a percentage (`42.5%`). */
export function percent(part: number, whole: number): string {
  return whole > 0 ? `${num((100 * part) / whole, 1)}%` : "—";
}

/** The first `max` characters of a text, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join("")}…`;
}
