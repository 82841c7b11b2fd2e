/**
 * A small streaming CSV parser (RFC 4180): fields separated by a delimiter,
 * optionally enclosed in double quotes; inside quotes a doubled quote stands
 * for one quote, and delimiters and line breaks are part of the field. Line
 * breaks inside quotes come out as `\n` (a CRLF file yields LF). A quote inside
 * an unquoted field is kept literally, as most writers expect.
 *
 * It consumes decoded lines, so each row knows the line it started on and an
 * invalid UTF-8 line spoils only the row it belongs to.
 */
import type { Parsed } from "./emit.js";
import type { Line } from "./lines.js";
import { BadRecord } from "./problems.js";

const QUOTE = '"';

/** Feed it lines in order; it returns each row once its last line has been read. */
export class CsvParser {
  private row: Row | undefined;

  constructor(private readonly delimiter = ",") {}

  push(line: Line): Parsed<string[]> | undefined {
    if (!this.row) {
      if (!line.invalidUtf8 && line.text === "") return undefined; // blank lines between rows hold nothing
      this.row = new Row(line.number, this.delimiter);
    }
    const row = this.row;
    if (line.invalidUtf8 && !row.problem) row.problem = new BadRecord("invalid UTF-8", line.invalidUtf8.column, line.number);
    if (row.consume(line.text)) return undefined; // a quoted field goes on in the next line
    this.row = undefined;
    return row.result();
  }

  /** The input has ended: a row still open has an unterminated quote. */
  end(): Parsed<string[]> | undefined {
    const row = this.row;
    if (!row) return undefined;
    this.row = undefined;
    row.problem ??= new BadRecord("unterminated quoted field: the quote opened here is never closed", row.openedAt.column, row.openedAt.line);
    return row.result();
  }
}

/** One row being assembled, possibly over several lines. */
class Row {
  readonly fields: string[] = [];
  problem?: BadRecord;
  /** The field being read, while it is inside quotes across a line break. */
  private open?: string;
  openedAt = { line: 0, column: 0 };
  private lineNumber = 0;

  constructor(
    readonly line: number,
    private readonly delimiter: string,
  ) {}

  result(): Parsed<string[]> {
    return this.problem ? { line: this.line, problem: this.problem } : { line: this.line, value: this.fields };
  }

  /** Parses one line into the row; true when the row continues on the next line. */
  consume(text: string): boolean {
    this.lineNumber = this.lineNumber ? this.lineNumber + 1 : this.line;
    let i = 0;
    if (this.open !== undefined) {
      i = this.quoted(text, 0, this.open + "\n");
      if (i < 0) return true;
    } else {
      i = this.field(text, 0);
      if (i < 0) return true;
    }
    while (i < text.length) {
      i = this.field(text, i + 1); // skip the delimiter
      if (i < 0) return true;
    }
    return false;
  }

  /**
   * Reads the field starting at `start`; returns the index of the delimiter
   * after it (or text.length at the end), or -1 when it continues on the next line.
   */
  private field(text: string, start: number): number {
    if (text[start] === QUOTE) {
      this.openedAt = { line: this.lineNumber, column: start + 1 };
      return this.quoted(text, start + 1, "");
    }
    let end = text.indexOf(this.delimiter, start);
    if (end === -1) end = text.length;
    this.fields.push(text.slice(start, end));
    return end;
  }

  /** Reads a quoted field's body from `start`, after `sofar` already read. */
  private quoted(text: string, start: number, sofar: string): number {
    let value = sofar;
    let i = start;
    for (;;) {
      const q = text.indexOf(QUOTE, i);
      if (q === -1) {
        this.open = value + text.slice(i);
        return -1;
      }
      value += text.slice(i, q);
      if (text[q + 1] === QUOTE) {
        value += QUOTE;
        i = q + 2;
        continue;
      }
      this.open = undefined;
      this.fields.push(value);
      const after = q + 1;
      if (after < text.length && !text.startsWith(this.delimiter, after)) {
        this.problem ??= new BadRecord(
          `unexpected ${JSON.stringify(text[after])} after a closing quote: expected "${this.delimiter}" or the end of the line`,
          after + 1,
          this.lineNumber,
        );
        return text.length;
      }
      return after;
    }
  }
}
