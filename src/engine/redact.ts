import type { Diagnostic } from "./diagnostic.js";

/** Replaces every known secret value in a text by `***`. */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const list = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of list) out = out.split(s).join("***");
    return out;
  };
}

/** A diagnostic with every text a reader sees (message, hint, path, related messages) redacted. */
export function redactDiagnostic(d: Diagnostic, redact: (text: string) => string): Diagnostic {
  const out: Diagnostic = { ...d, message: redact(d.message) };
  if (d.hint !== undefined) out.hint = redact(d.hint);
  if (d.path !== undefined) out.path = redact(d.path);
  if (d.related) out.related = d.related.map((r) => ({ ...r, message: redact(r.message) }));
  return out;
}

/** A copy of a JSON value with every string redacted. */
export function redactValue<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, redact)])) as T;
  }
  return value;
}
