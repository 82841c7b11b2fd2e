/**
 * Bad input records, collected while a file streams by. Nothing is dropped
 * silently: with `onError: fail` the stage stops with the first `maxErrors`
 * problems (and a count of the rest); with `onError: skip` the bad records are
 * left out, counted in `records.skipped` and named in a warning.
 */
import { DpoError, type Diagnostic, type Location } from "../../engine/diagnostic.js";
import type { PluginContext } from "../../engine/plugin.js";

export type OnError = "fail" | "skip";

/**
 * A record that cannot be used, thrown by parsers and record builders. `line`
 * is set when the fault is not on the record's first line (multi-line CSV rows).
 */
export class BadRecord extends Error {
  constructor(
    message: string,
    readonly column?: number,
    readonly line?: number,
  ) {
    super(message);
    this.name = "BadRecord";
  }
}

/** How many skipped locations a skip warning names. */
const WARN_EXAMPLES = 5;

export class Problems {
  private readonly kept: Diagnostic[] = [];
  private total = 0;

  constructor(
    private readonly onError: OnError,
    private readonly maxErrors: number,
  ) {}

  get count(): number {
    return this.total;
  }

  /** Records a bad record at `line` (its first line unless the problem says otherwise), or at record number `line`. */
  add(file: string, line: number, problem: BadRecord, unit: "line" | "record" = "line"): void {
    this.total++;
    if (this.kept.length >= this.maxErrors) return;
    const location: Location = unit === "record" ? { file, record: line } : { file, line: problem.line ?? line };
    if (problem.column !== undefined) location.column = problem.column;
    this.kept.push({ severity: "error", message: problem.message, location });
  }

  /** Call once the input is exhausted: throws (fail) or warns and tallies (skip). */
  finish(ctx: Pick<PluginContext, "log" | "tally">): void {
    if (this.total === 0) return;
    if (this.onError === "fail") throw new DpoError(this.failure());
    ctx.tally("records.skipped", this.total);
    const examples = this.kept.slice(0, WARN_EXAMPLES).map(describe).join("; ");
    const rest = this.total > WARN_EXAMPLES ? `; and ${this.total - WARN_EXAMPLES} more` : "";
    ctx.log.warn(`skipped ${this.total} bad record${this.total === 1 ? "" : "s"}: ${examples}${rest}`);
  }

  private failure(): Diagnostic[] {
    const list: Diagnostic[] = this.kept.map((d, i) =>
      i === 0 ? { ...d, hint: "fix the input, or set `onError: skip` to leave bad records out (they are counted and reported)" } : d,
    );
    const more = this.total - this.kept.length;
    if (more > 0) list.push({ severity: "error", message: `and ${more} more bad record${more === 1 ? "" : "s"} (${this.total} in total)` });
    return list;
  }
}

function describe(d: Diagnostic): string {
  const loc = d.location!;
  const where = loc.line !== undefined ? `:${loc.line}` : loc.record !== undefined ? `:record ${loc.record}` : "";
  return `${loc.file}${where} (${d.message})`;
}
