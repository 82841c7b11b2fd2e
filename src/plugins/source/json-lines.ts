/**
 * JSON Lines: one JSON object per line. Blank lines are allowed (they hold no
 * record); anything else that is not a JSON object is a bad record.
 */
import { attempt, parseLines, type Parsed } from "./emit.js";
import { isObject, type JsonObject } from "./fields.js";
import { readLineBatches, type Line } from "./lines.js";
import { BadRecord } from "./problems.js";
import { kindOf } from "./prompt.js";

/** Each object of a JSON Lines file turned into a value by `build`, which may throw BadRecord. */
export function jsonLines<T>(
  absPath: string,
  file: string,
  signal: AbortSignal | undefined,
  build: (obj: JsonObject, line: number) => T,
): AsyncGenerator<Parsed<T>[]> {
  return parseLines(readLineBatches(absPath, file, signal), (line) =>
    !line.invalidUtf8 && !line.text.trim() ? undefined : attempt(line.number, () => build(parseJsonLine(line), line.number)),
  );
}

export function parseJsonLine(line: Line): JsonObject {
  if (line.invalidUtf8) throw new BadRecord("invalid UTF-8", line.invalidUtf8.column);
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (err) {
    throw jsonError(err as Error);
  }
  if (!isObject(value)) throw new BadRecord(`expected a JSON object, found ${kindOf(value as never)}`);
  // Only a line of at least 2 × MAX_RECORD_DEPTH characters can nest that deep: short lines skip the walk.
  if (line.text.length > 2 * MAX_RECORD_DEPTH && nestsDeeper(value, MAX_RECORD_DEPTH)) {
    throw new BadRecord(`record nested deeper than ${MAX_RECORD_DEPTH} levels`);
  }
  return value;
}

/**
 * How deep an input record may nest (serde_json's default). Far beyond any
 * real record, and far below what recursive code downstream (canonical JSON,
 * the store) can take, so a hostile line is a bad record at its line, not a
 * stack overflow somewhere in a later stage.
 */
export const MAX_RECORD_DEPTH = 128;

/** Whether a parsed value holds objects or arrays more than `limit` levels deep (recursion bounded by `limit`). */
function nestsDeeper(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (nestsDeeper(v, limit - 1)) return true;
  return false;
}

/** V8's message without the quoted copy of the line, and the column when it names a position. */
function jsonError(err: Error): BadRecord {
  const message = err.message.replace(/, ".*" is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
  const position = /at position (\d+)/.exec(err.message);
  return new BadRecord(`invalid JSON: ${message}`, position ? Number(position[1]) + 1 : undefined);
}
