/**
 * Strict UTF-8 decoding: invalid bytes are an error with a line and column,
 * never a silent U+FFFD. Used for every text dpo reads (the config, plugin
 * config files such as rubrics, dataset lines), so all report it the same way.
 */
import type { Diagnostic } from "./diagnostic.js";
import { err, ok, type Result } from "./result.js";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
const NEWLINE = 0x0a;

/** The text of some bytes, or (when they are not valid UTF-8) a lossy decoding and the 1-based column of the first invalid byte. */
export function decodeStrict(bytes: Uint8Array): { text: string; invalidColumn?: number } {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    const text = lossy.decode(bytes);
    return { text, invalidColumn: invalidColumn(bytes, text) };
  }
}

/** A whole file's text (exactly, a BOM included), or an error at the line and column of its first invalid byte. */
export function decodeUtf8File(bytes: Uint8Array, file: string): Result<string, Diagnostic> {
  const whole = decodeStrict(bytes);
  if (whole.invalidColumn === undefined) return ok(whole.text);
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(NEWLINE, start);
    const decoded = decodeStrict(bytes.subarray(start, end === -1 ? bytes.length : end));
    if (decoded.invalidColumn !== undefined || end === -1) {
      return err({
        severity: "error",
        message: "invalid UTF-8",
        location: { file, line, column: decoded.invalidColumn ?? 1 },
        hint: "save the file as UTF-8",
      });
    }
    start = end + 1;
  }
}

/**
 * 1-based column of the first invalid byte: the first U+FFFD of the lossy
 * decoding that does not stand for a genuine U+FFFD (EF BF BD) in the input.
 */
function invalidColumn(bytes: Uint8Array, text: string): number {
  for (let i = text.indexOf("\uFFFD"); i !== -1; i = text.indexOf("\uFFFD", i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i));
    if (!(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return i + 1;
  }
  return 1;
}
