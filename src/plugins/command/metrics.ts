/**
 * A command's metrics file as numbers: nested objects flattened with dots
 * (`{"eval": {"accuracy": 0.61}}` → `eval.accuracy`), array items by index
 * (`ci.0`), and anything that is not a finite number (strings, booleans,
 * nulls) left out, since tallies are numbers.
 */

export type Metrics = Record<string, number>;

export function flattenMetrics(value: unknown, prefix = "", out: Metrics = {}): Metrics {
  if (typeof value === "number") {
    if (Number.isFinite(value) && prefix) out[prefix] = value;
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => flattenMetrics(v, join(prefix, String(i)), out));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flattenMetrics(v, join(prefix, k), out);
  }
  return out;
}

const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

/** The metrics file's text as an object, or why it is not one. */
export function parseMetrics(text: string): { ok: true; metrics: Metrics } | { ok: false; problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `is not JSON (${(e as Error).message})` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { ok: false, problem: "is not a JSON object" };
  return { ok: true, metrics: Object.fromEntries(Object.entries(flattenMetrics(parsed)).sort(([a], [b]) => (a < b ? -1 : 1))) };
}
