/**
 * Where every node under `stages` and `providers` sits in the config file,
 * computed once while loading (from the parsed YAML) and kept as plain data,
 * so a failure at run time is located without parsing the config again, even
 * when the config came from the compiled copy under `cache/`.
 */
import { DpoError, type Diagnostic, type Location } from "../diagnostic.js";
import { joinPointer, splitPointer } from "./pointer.js";
import type { YamlSource } from "./yaml-source.js";

/** JSON pointer (`/stages/judge/with/rubric`) → location of that node. */
export type Locations = Record<string, Location>;

/** The top-level sections whose nodes are located. */
const SECTIONS = ["stages", "providers"] as const;

export function collectLocations(src: YamlSource): Locations {
  const out: Locations = {};
  const walk = (value: unknown, pointer: string, depth: number) => {
    // A stage or provider is best named by its key; anything inside, by its value.
    out[pointer] = src.locate(pointer, { key: depth === 1 });
    if (value === null || typeof value !== "object") return;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [k, v] of entries) walk(v, pointer + joinPointer(k), depth + 1);
  };
  const doc = src.value as Record<string, unknown> | null;
  for (const section of SECTIONS) {
    if (doc !== null && typeof doc === "object" && Object.hasOwn(doc, section)) walk(doc[section], joinPointer(section), 0);
  }
  return out;
}

/** The location of a pointer, or of its nearest located ancestor (a defaulted `with` key sits at its `with`). */
export function locatePointer(locations: Locations | undefined, pointer: string): Location | undefined {
  const segments = splitPointer(pointer);
  for (let n = segments.length; n >= 0; n--) {
    const found = locations?.[joinPointer(...segments.slice(0, n))];
    if (found) return found;
  }
  return undefined;
}

/** `/stages/judge/with/judges/1` → `stages.judge.with.judges[1]`, for the `at …` line of a diagnostic. */
export function pointerPath(pointer: string): string {
  return splitPointer(pointer).reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), "");
}

/** Located errors about one config node (a stage or a provider); pointers are relative to it. */
export interface NodeErrors {
  /** An error diagnostic at `pointer` (e.g. `/with/eval`, `/needs`, or `` for the node itself). */
  diagnostic(pointer: string, message: string, hint?: string): Diagnostic;
  /** Throws that diagnostic; never returns. */
  fail(pointer: string, message: string, hint?: string): never;
}

export function nodeErrors(locations: Locations | undefined, section: (typeof SECTIONS)[number], name: string): NodeErrors {
  const base = joinPointer(section, name);
  const diagnostic = (pointer: string, message: string, hint?: string): Diagnostic => {
    const full = base + pointer;
    const location = locatePointer(locations, full);
    return { severity: "error", message, ...(location ? { location } : {}), path: pointerPath(full), ...(hint ? { hint } : {}) };
  };
  return {
    diagnostic,
    fail(pointer, message, hint) {
      throw new DpoError(diagnostic(pointer, message, hint));
    },
  };
}
