/**
 * One annotator's file, `annotations/<annotator>.jsonl` under the project
 * root: the human judge's input (docs/annotations.md). Answers are appended
 * one line at a time and synced to disk before the app hears "saved", so a
 * crash loses nothing; what is already answered is read back from the file
 * itself, which makes a session resumable and the file the only state.
 */
import { mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Semaphore } from "../engine/async/semaphore.js";
import { userError } from "../engine/diagnostic.js";
import { candidateKey, pairKey } from "./items.js";

/** Where annotation files live, relative to the project root. */
export const ANNOTATIONS_DIR = "annotations";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkAnnotator(name: string): string {
  if (!NAME.test(name)) {
    throw userError(`annotator name "${name}" is not usable as a file name`, { hint: "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64" });
  }
  return name;
}

/** The project-relative path of an annotator's file. */
export const annotationFile = (annotator: string) => `${ANNOTATIONS_DIR}/${checkAnnotator(annotator)}.jsonl`;

export class AnnotationFile {
  /** Appends to one file never interleave. */
  private readonly writing = new Semaphore(1);
  readonly path: string;

  constructor(
    root: string,
    readonly annotator: string,
  ) {
    this.path = join(root, annotationFile(annotator));
  }

  /** Creates the file if missing, so a config can name it (a `dpo: file` must exist) before the first answer. */
  async ensure(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await (await open(this.path, "a")).close();
  }

  /** Keys (items.ts) of everything this annotator has answered in the file; lines of other annotators and unparseable lines are skipped. */
  async answered(): Promise<Set<string>> {
    const text = await readFile(this.path, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? "" : Promise.reject(e)));
    const keys = new Set<string>();
    for (const line of text.split(/\r?\n/)) {
      const v = parseLine(line);
      if (!v || v.annotator !== this.annotator) continue;
      if (typeof v.candidate === "string") keys.add(candidateKey(v.candidate));
      else if (typeof v.a === "string" && typeof v.b === "string") keys.add(pairKey(v.a, v.b));
    }
    return keys;
  }

  /** Appends one line and syncs it to disk before resolving. */
  async append(line: Record<string, unknown>): Promise<void> {
    const release = await this.writing.acquire();
    try {
      await mkdir(dirname(this.path), { recursive: true });
      const handle = await open(this.path, "a+"); // read too: to see whether the last line is terminated
      try {
        await handle.write((await endsOpen(handle)) + JSON.stringify(line) + "\n");
        await handle.sync();
      } finally {
        await handle.close();
      }
    } finally {
      release();
    }
  }
}

/** "\n" when the file's last line was left unterminated (edited by hand), so the new line starts on its own. */
async function endsOpen(handle: FileHandle): Promise<string> {
  const { size } = await handle.stat();
  if (size === 0) return "";
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a ? "" : "\n";
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.trim()) return undefined;
  try {
    const v = JSON.parse(line);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined; // the build reports it, located; the app only needs what it can recognise
  }
}
