/**
 * A command line as an argv list. A string is split the way a POSIX shell
 * splits words — whitespace separates, '…' is literal, "…" keeps spaces and
 * honours \" \\ \$ \`, a backslash outside quotes escapes the next character —
 * but nothing else a shell does happens: no variables, globs, pipes or
 * redirections. Those characters, unquoted, are refused rather than passed on
 * silently, so `python train.py > log` is an error that says to use
 * `[sh, -c, "…"]`, not a program that receives ">" as an argument.
 *
 * Running without a shell keeps the argv (which enters the stage key) exactly
 * what runs, the same on every machine, and leaves no quoting to get wrong
 * when `{dir}` holds a space.
 */

export type Split = { ok: true; argv: string[] } | { ok: false; problem: string };

const OPERATORS = new Set(["|", "&", ";", "<", ">", "(", ")", "`", "$", "*", "?", "["]);
const DOUBLE_QUOTED_ESCAPES = new Set(['"', "\\", "$", "`"]);

export function splitCommand(line: string): Split {
  const argv: string[] = [];
  let word: string | null = null;
  const add = (s: string) => (word = (word ?? "") + s);
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      if (word !== null) argv.push(word);
      word = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, problem: "an unterminated ' quote" };
      add(line.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      const read = doubleQuoted(line, i + 1);
      if (!read) return { ok: false, problem: 'an unterminated " quote' };
      add(read.text);
      i = read.end;
    } else if (c === "\\") {
      if (i + 1 >= line.length) return { ok: false, problem: "a trailing backslash" };
      add(line[++i]!);
    } else if (OPERATORS.has(c)) {
      return { ok: false, problem: `an unquoted \`${c}\`: the command runs without a shell` };
    } else {
      add(c);
    }
  }
  if (word !== null) argv.push(word);
  if (argv.length === 0) return { ok: false, problem: "no program" };
  return { ok: true, argv };
}

function doubleQuoted(line: string, from: number): { text: string; end: number } | undefined {
  let text = "";
  for (let i = from; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') return { text, end: i };
    if (c === "\\" && DOUBLE_QUOTED_ESCAPES.has(line[i + 1] ?? "")) text += line[++i];
    else text += c;
  }
  return undefined;
}

/** What `{iteration}` and `{dir}` stand for in one run. */
export interface Placeholders {
  iteration: string;
  /** The iteration's folder, project-relative (`out/iter-0100`). */
  dir: string;
}

/** `text` with every `{iteration}` and `{dir}` replaced; other braces are left alone. */
export function substitute(text: string, p: Placeholders): string {
  return text.replace(/\{(iteration|dir)\}/g, (_, name: keyof Placeholders) => p[name]);
}
