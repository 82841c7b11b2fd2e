/**
 * `${VAR}` interpolation in string scalars, with the bash meanings of
 * `${VAR:-default}` (VAR unless unset or empty) and `${VAR:+alternate}`
 * (alternate if VAR is set and non-empty, else nothing), and, as in Docker
 * Compose, `${VAR:?message}` (an error saying `message` unless VAR is set and
 * non-empty) and `${VAR?message}` (unless VAR is set). `$${` is a literal
 * `${`. Words may nest: `${A:-${B:-x}}`; a word that is not used is not
 * evaluated, so its missing variables are not errors.
 *
 * Runs before schema validation, so types are checked on the result. A plain
 * (unquoted) scalar is re-read as YAML after interpolation: `seed: ${SEED:-0}`
 * is the integer 0, while `seed: "${SEED:-0}"` stays a string.
 */
import { isScalar, parseDocument, Scalar } from "yaml";
import type { Diagnostic } from "../diagnostic.js";
import { err, ok, type Result } from "../result.js";
import { dottedPath, joinPointer, nodeAt, type YamlSource } from "./yaml-source.js";

export type Env = Record<string, string | undefined>;

export interface InterpolationError {
  message: string;
  hint?: string;
}

/** Interpolates one string. */
export function interpolateString(text: string, env: Env): Result<string, InterpolationError[]> {
  const r = interpolateTracked(text, env);
  return r.errors.length ? err(r.errors) : ok(r.text);
}

/** One scalar that interpolation changed: where it is, what it became, and the variables whose values went into it. */
export interface Interpolated {
  pointer: string;
  value: string;
  vars: string[];
}

/** Interpolates one string, naming the variables whose values it used (not those of words left unused). */
function interpolateTracked(text: string, env: Env): { text: string; errors: InterpolationError[]; vars: string[] } {
  const errors: InterpolationError[] = [];
  const vars: string[] = [];
  const { text: out } = expand(text, 0, env, false, errors, vars);
  return { text: out, errors, vars: [...new Set(vars)] };
}

/**
 * Interpolates every string scalar of a document into a fresh value tree.
 * A scalar that fails keeps its original text (so later checks can go on), and
 * its errors are located at the scalar. `interpolated` lists the scalars that
 * took a variable's value, so values from secret variables can be redacted.
 */
export function interpolateSource(src: YamlSource, env: Env): { value: unknown; errors: Diagnostic[]; interpolated: Interpolated[] } {
  const errors: Diagnostic[] = [];
  const interpolated: Interpolated[] = [];
  const walk = (value: unknown, pointer: string): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => walk(v, pointer + joinPointer(i)));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, pointer + joinPointer(k))]));
    }
    if (typeof value !== "string" || !value.includes("${")) return value;
    const r = interpolateTracked(value, env);
    if (r.vars.length > 0) interpolated.push({ pointer, value: r.text, vars: r.vars });
    if (r.errors.length > 0) {
      const location = src.locate(pointer);
      const path = dottedPath(pointer, src.value);
      for (const e of r.errors) errors.push({ severity: "error", message: e.message, location, path, ...(e.hint ? { hint: e.hint } : {}) });
      return value;
    }
    return isPlainScalar(src, pointer) ? plainValue(r.text) : r.text;
  };
  return { value: walk(src.value, ""), errors, interpolated };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Expands from `pos` until the end, or (nested) until the `}` closing a word. */
function expand(s: string, pos: number, env: Env, nested: boolean, errors: InterpolationError[], vars: string[]): { text: string; end: number } {
  let out = "";
  let i = pos;
  while (i < s.length) {
    if (nested && s[i] === "}") return { text: out, end: i };
    if (s.startsWith("$${", i)) {
      out += "${";
      i += 3;
      continue;
    }
    if (!s.startsWith("${", i)) {
      out += s[i++];
      continue;
    }
    const name = NAME.exec(s.slice(i + 2))?.[0];
    if (!name) {
      errors.push(malformed(s, i, "expected a variable name after `${`"));
      return { text: out, end: s.length };
    }
    const after = i + 2 + name.length;
    const value = env[name];
    if (s[after] === "}") {
      if (value === undefined) errors.push(missing(name));
      else vars.push(name);
      out += value ?? "";
      i = after + 1;
      continue;
    }
    const op = s[after] === "?" ? "?" : s.slice(after, after + 2);
    if (op !== ":-" && op !== ":+" && op !== ":?" && op !== "?") {
      errors.push(malformed(s, i, `expected \`}\`, \`:-\`, \`:+\`, \`:?\` or \`?\` after \`\${${name}\``));
      return { text: out, end: s.length };
    }
    const wordErrors: InterpolationError[] = [];
    const wordVars: string[] = [];
    const word = expand(s, after + op.length, env, true, wordErrors, wordVars);
    if (word.end >= s.length) {
      errors.push(malformed(s, i, "unclosed `${`"));
      return { text: out, end: s.length };
    }
    const isSet = value !== undefined && value !== "";
    if (op === ":?" || op === "?") {
      if (op === ":?" ? !isSet : value === undefined) errors.push(required(name, word.text, op));
      else vars.push(name);
      out += value ?? "";
      i = word.end + 1;
      continue;
    }
    const useWord = op === ":-" ? !isSet : isSet;
    if (useWord) errors.push(...wordErrors);
    if (useWord) vars.push(...wordVars);
    else if (op === ":-") vars.push(name);
    out += useWord ? word.text : op === ":-" ? value! : "";
    i = word.end + 1;
  }
  return { text: out, end: i };
}

function missing(name: string): InterpolationError {
  return { message: `environment variable ${name} is not set`, hint: `set ${name}, or give a default: \${${name}:-default}` };
}

function required(name: string, message: string, op: ":?" | "?"): InterpolationError {
  const state = op === ":?" ? "is not set or empty" : "is not set";
  return { message: `environment variable ${name} ${state}${message ? `: ${message}` : ""}`, hint: `set ${name} (in the environment or the project's .env file)` };
}

function malformed(s: string, at: number, what: string): InterpolationError {
  return { message: `malformed interpolation in ${JSON.stringify(s)} at character ${at + 1}: ${what}`, hint: "write `$${` for a literal `${`" };
}

function isPlainScalar(src: YamlSource, pointer: string): boolean {
  const { node, exact } = nodeAt(src.doc, pointer);
  return exact && isScalar(node) && node.type === Scalar.PLAIN;
}

/** Reads text as a plain YAML scalar would be: `42` → 42, `true` → true, anything else stays text. */
function plainValue(text: string): unknown {
  const doc = parseDocument(text);
  const node = doc.contents;
  const whole = isScalar(node) && node.type === Scalar.PLAIN && node.range?.[0] === 0 && node.range[1] === text.length;
  return whole && doc.errors.length === 0 && typeof node.value !== "string" ? node.value : text;
}
