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
  return value;
}

/** V8's message without the quoted copy of the line, and the column when it names a position. */
function jsonError(err: Error): BadRecord {
  const message = err.message.replace(/, ".*" is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
  const position = /at position (\d+)/.exec(err.message);
  return new BadRecord(`invalid JSON: ${message}`, position ? Number(position[1]) + 1 : undefined);
}
