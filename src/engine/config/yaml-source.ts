/**
 * A parsed YAML file that remembers where everything came from, so any later
 * check (schema, references, cycles) can point at the exact line and column.
 * Paths inside the document are JSON pointers (`/stages/judge/with/rubric`).
 */
import type { ErrorObject } from "ajv";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { didYouMean, type Diagnostic, type Location } from "../diagnostic.js";
import type { JsonSchema } from "../plugin.js";
import { err, ok, type Result } from "../result.js";
import { decodeUtf8File } from "../utf8.js";
import { joinPointer, splitPointer } from "./pointer.js";

export { joinPointer, splitPointer };

export interface YamlSource {
  /** Project-relative path. */
  file: string;
  text: string;
  /** The document as plain JS (aliases resolved). */
  value: unknown;
  /** The underlying document, for callers that need node details (e.g. scalar style). */
  doc: Document;
  /**
   * The location of the node at a JSON pointer. `key: true` points at the key
   * of that map entry instead of its value. A pointer that does not exist
   * falls back to its nearest existing ancestor.
   */
  locate(pointer: string, opts?: { key?: boolean }): Location;
}

/** `parseYaml` of a file's bytes: invalid UTF-8 is an error at its line and column, not a silent U+FFFD. */
export function parseYamlFile(bytes: Uint8Array, file: string): Result<YamlSource, Diagnostic[]> {
  const text = decodeUtf8File(bytes, file);
  return text.ok ? parseYaml(text.value, file) : err([text.error]);
}

export function parseYaml(text: string, file: string): Result<YamlSource, Diagnostic[]> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number, end = offset + 1): Location => spanLocation(file, text, lineCounter, offset, end);
  // Warnings (e.g. an unknown tag) are errors too: a config is read strictly.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    return err(
      problems.map((e) => ({
        severity: "error" as const,
        message: `YAML syntax: ${firstLine(e.message)}`,
        location: at(e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)),
      })),
    );
  }
  const locate = (pointer: string, opts: { key?: boolean } = {}): Location => {
    const { node, key } = nodeAt(doc, pointer);
    const target = opts.key && key ? key : node;
    if (!target?.range) return { file, line: 1, column: 1 };
    return at(target.range[0], target.range[1]);
  };
  let value: unknown;
  try {
    value = doc.toJS(); // throws on alias bombs (excessive alias count)
  } catch (e) {
    return err([{ severity: "error", message: `YAML: ${(e as Error).message}`, location: { file, line: 1, column: 1 } }]);
  }
  return ok({ file, text, value, doc, locate });
}

/**
 * The node at a pointer (or its nearest existing ancestor), and the key node of
 * the map entry holding it. `exact` says whether the whole pointer was found.
 */
export function nodeAt(doc: Document, pointer: string): { node: Node | null; key?: Node; exact: boolean } {
  let node = resolveAlias(doc, doc.contents as Node | null);
  let key: Node | undefined;
  for (const segment of splitPointer(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === segment);
      if (!pair) return { node, key, exact: false };
      key = pair.key as Node;
      // `key:` with nothing after it has an empty value: the key stands for it.
      const value = resolveAlias(doc, pair.value as Node | null);
      node = value && !isEmptyScalar(value) ? value : key;
    } else if (isSeq(node) && /^\d+$/.test(segment) && Number(segment) < node.items.length) {
      key = undefined;
      node = resolveAlias(doc, node.items[Number(segment)] as Node | null);
    } else {
      return { node, key, exact: false };
    }
  }
  return { node, key, exact: true };
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && !!node.range && node.range[0] === node.range[1];
}

function resolveAlias(doc: Document, node: Node | null | undefined): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? node;
  return node ?? null;
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** `/stages/judge/needs/0` → `stages.judge.needs[0]` (indices only where the value is an array). */
export function dottedPath(pointer: string, value: unknown): string {
  let path = "";
  let cur: unknown = value;
  for (const seg of splitPointer(pointer)) {
    path += Array.isArray(cur) && /^\d+$/.test(seg) ? `[${seg}]` : path === "" ? seg : `.${seg}`;
    cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return path;
}

function spanLocation(file: string, text: string, lc: LineCounter, start: number, end: number): Location {
  const { line, col } = lc.linePos(start);
  const eol = text.indexOf("\n", start);
  const stop = Math.min(end, eol === -1 ? text.length : eol);
  return { file, line, column: col, length: Math.max(1, stop - start) };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}

// ---------------------------------------------------------------------------
// Schema errors → located, human diagnostics

export interface SchemaErrorOptions {
  /** Where the validated value sits in the document, e.g. `/stages/judge/with`. */
  pointerPrefix?: string;
  /** Overrides the dotted `path` of a diagnostic, given its full pointer. */
  pathLabel?: (pointer: string) => string;
  /** The schema that was validated: enables did-you-mean for unknown keys. */
  schema?: JsonSchema;
  /** The value that was validated, when it differs from the document's (e.g. after interpolation). */
  value?: unknown;
}

export function schemaErrors(errors: ErrorObject[], src: YamlSource, opts: SchemaErrorOptions = {}): Diagnostic[] {
  const prefix = opts.pointerPrefix ?? "";
  const label = opts.pathLabel ?? ((p: string) => dottedPath(p, src.value));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of mostSpecific(errors)) {
    const validated = "value" in opts ? opts.value : valueAt(src.value, prefix);
    const d = describe(e, validated, prefix, opts.schema);
    if (!d) continue;
    const diag: Diagnostic = { severity: "error", message: d.message, location: src.locate(d.pointer, { key: d.atKey }), path: label(d.pointer) };
    if (d.hint) diag.hint = d.hint;
    const id = `${diag.path}\u0000${diag.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(diag);
    }
  }
  return out;
}

interface Described {
  message: string;
  pointer: string;
  atKey?: boolean;
  hint?: string;
}

function describe(e: ErrorObject, validated: unknown, prefix: string, schema: JsonSchema | undefined): Described | undefined {
  const pointer = prefix + e.instancePath;
  const p = e.params as Record<string, any>;
  const value = valueAt(validated, e.instancePath);
  const found = () => `found ${show(value)}`;
  if (e.propertyName !== undefined) {
    // A bad key name (propertyNames): point at the key itself.
    const rule = e.keyword === "pattern" ? `a name matching /${p.pattern}/` : e.message;
    return { message: `invalid name \`${e.propertyName}\`, expected ${rule}`, pointer: pointer + joinPointer(e.propertyName), atKey: true };
  }
  switch (e.keyword) {
    case "additionalProperties": {
      const name = String(p.additionalProperty);
      const allowed = allowedKeys(schema, e.schemaPath);
      const guess = didYouMean(name, allowed);
      return {
        message: `unknown key \`${name}\``,
        pointer: pointer + joinPointer(name),
        atKey: true,
        hint: guess ? `did you mean \`${guess}\`?` : allowed.length ? `allowed keys: ${allowed.map((k) => `\`${k}\``).join(", ")}` : undefined,
      };
    }
    case "required":
      return { message: `missing required key \`${p.missingProperty}\``, pointer, atKey: true };
    case "type":
      return { message: `${found()}, expected ${orList(String(p.type).split(","))}`, pointer };
    case "enum": {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      const guess = typeof value === "string" ? didYouMean(value, allowed.filter((a): a is string => typeof a === "string")) : undefined;
      return { message: `${found()}, expected one of ${allowed.map(show).join(", ")}`, pointer, hint: guess && `did you mean ${show(guess)}?` };
    }
    case "const":
      return { message: `${found()}, expected ${show(p.allowedValue)}`, pointer };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { message: `${found()}, expected a number ${p.comparison} ${p.limit}`, pointer };
    case "minLength":
      return { message: `${found()}, expected at least ${p.limit} character${p.limit === 1 ? "" : "s"}`, pointer };
    case "maxLength":
      return { message: `${found()}, expected at most ${p.limit} character${p.limit === 1 ? "" : "s"}`, pointer };
    case "minItems":
      return { message: `${found()}, expected at least ${p.limit} item${p.limit === 1 ? "" : "s"}`, pointer };
    case "maxItems":
      return { message: `${found()}, expected at most ${p.limit} item${p.limit === 1 ? "" : "s"}`, pointer };
    case "minProperties":
      return { message: `${found()}, expected at least ${p.limit} entr${p.limit === 1 ? "y" : "ies"}`, pointer };
    case "pattern":
      return { message: `${found()}, expected a string matching /${p.pattern}/`, pointer };
    case "format":
      return { message: `${found()}, expected a ${p.format}`, pointer };
    case "propertyNames":
      return undefined; // already reported through the offending name's own error
    case "if":
      return undefined; // the failing `then`/`else` branch carries the real error
    default:
      return { message: `${found()}: ${e.message ?? e.keyword}`, pointer };
  }
}

/**
 * anyOf/oneOf report every failing branch. Keep only the branch that got
 * furthest into the value (its deepest error wins; ties go to the branch with
 * fewest errors), and merge plain type mismatches into one "expected a or b".
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject[] {
  let list = errors;
  const combinators = list.filter((e) => e.keyword === "anyOf" || (e.keyword === "oneOf" && !(e.params as any).passingSchemas));
  // Innermost combinators first, so outer ones see already reduced branches.
  combinators.sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const c of combinators) {
    const base = c.schemaPath + "/";
    const branches = new Map<string, ErrorObject[]>();
    for (const e of list) {
      if (!e.schemaPath.startsWith(base) || !e.instancePath.startsWith(c.instancePath)) continue;
      const branch = e.schemaPath.slice(base.length).split("/")[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    if (branches.size === 0) continue;
    const inBranches = new Set([...branches.values()].flat());
    const all = [...branches.values()];
    let keep: ErrorObject[];
    if (all.every((b) => b.length === 1 && b[0]!.keyword === "type" && b[0]!.instancePath === c.instancePath)) {
      const types = [...new Set(all.flatMap((b) => String((b[0]!.params as any).type).split(",")))];
      keep = [{ ...all[0]![0]!, params: { type: types.join(",") } }];
    } else {
      const depth = (b: ErrorObject[]) => Math.max(...b.map((e) => e.instancePath.split("/").length));
      keep = all.reduce((best, b) => (depth(b) > depth(best) || (depth(b) === depth(best) && b.length < best.length) ? b : best));
    }
    list = list.filter((e) => e !== c && !inBranches.has(e)).concat(keep);
  }
  return list;
}

function valueAt(value: unknown, pointer: string): unknown {
  let cur = value;
  for (const seg of splitPointer(pointer)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** The property names a schema allows at the object a schemaPath's `additionalProperties` belongs to. */
function allowedKeys(schema: JsonSchema | undefined, schemaPath: string): string[] {
  if (!schema) return [];
  let node: unknown = schema;
  for (const seg of splitPointer(decodeURIComponent(schemaPath.replace(/^#/, ""))).slice(0, -1)) {
    if (node === null || typeof node !== "object") return [];
    node = (node as Record<string, unknown>)[seg];
  }
  const props = (node as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

function orList(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
