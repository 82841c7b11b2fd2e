/**
 * The iterations an export/iterations stage declares, by name. Its own module,
 * free of the plugin's imports, because the CLI reads it on every build
 * (src/cli/iteration/target.ts) and a build should load only the plugins its
 * stages run.
 */
import type { Threshold } from "./gate-spec.js";

/** One entry of `with.iterations`: a size, or a size with a name and a gate. */
export type IterationSpec = number | { size: number; name?: string; gate?: Threshold[] };

/** The slices by ascending size, each with its folder name under out/ (given, or iter-0100 style). */
export function namedSlices(iterations: readonly IterationSpec[]): { name: string; size: number; gate: Threshold[] }[] {
  const specs = iterations.map((s) => (typeof s === "number" ? { size: s } : s)).sort((a, b) => a.size - b.size);
  const width = Math.max(4, String(specs[specs.length - 1]!.size).length);
  return specs.map((s) => ({ name: s.name ?? `iter-${String(s.size).padStart(width, "0")}`, size: s.size, gate: s.gate ?? [] }));
}
