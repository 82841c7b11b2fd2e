import { describe, expect, it } from "vitest";
import { contentId } from "../../src/engine/hash.js";
import { CsvParser } from "../../src/plugins/source/csv-parser.js";
import csvSource from "../../src/plugins/source/csv.js";
import type { Line } from "../../src/plugins/source/lines.js";
import { runPlugin } from "../support/run-plugin.js";
import { project } from "./project.js";

function rows(text: string) {
  const parser = new CsvParser();
  const lines: Line[] = text.split("\n").map((t, i) => ({ number: i + 1, text: t.replace(/\r$/, "") }));
  const parsed = [...lines.map((l) => parser.push(l)), parser.end()].filter((r) => r !== undefined);
  return parsed.map((row) => ("problem" in row ? { line: row.line, problem: row.problem.message } : row));
}

describe("CSV parser", () => {
  it("handles quotes, doubled quotes, delimiters and line breaks inside quotes", async () => {
    expect(rows('a,b,c\n"x, y","say ""hi""",\n"multi\nline\n\nfield",2,"end"\r\n')).toEqual([
      { line: 1, value: ["a", "b", "c"] },
      { line: 2, value: ["x, y", 'say "hi"', ""] },
      { line: 3, value: ["multi\nline\n\nfield", "2", "end"] },
    ]);
  });

  it("skips blank lines between rows and keeps a literal quote inside an unquoted field", async () => {
    expect(rows('a,b\n\n5" pipe,"q"\n')).toEqual([
      { line: 1, value: ["a", "b"] },
      { line: 3, value: ['5" pipe', "q"] },
    ]);
  });

  it("reports text after a closing quote and an unterminated quote", async () => {
    expect(rows('a,b\n"x"y,1\nok,2\n"open,3\nmore')).toEqual([
      { line: 1, value: ["a", "b"] },
      { line: 2, problem: 'unexpected "y" after a closing quote: expected "," or the end of the line' },
      { line: 3, value: ["ok", "2"] },
      { line: 4, problem: "unterminated quoted field: the quote opened here is never closed" },
    ]);
  });
});

describe("source/csv", () => {
  const csv = [
    "question,category,notes",
    '"What is 2+2?",math,',
    '"Write a haiku about ""rain""",poetry,"two',
    'lines"',
    "Plain question without quotes,misc,x",
  ].join("\r\n");

  it("turns rows into prompt records with the other columns as metadata", async () => {
    const root = project({ "q.csv": csv, "q.csv.gz": csv });
    for (const path of ["q.csv", "q.csv.gz"]) {
      const run = await runPlugin(csvSource, { root, with: { path, prompt: "question" } });
      const byLine = new Map(run.records.map((r) => [(r.source as { line: number }).line, r]));
      expect([...byLine.keys()].sort()).toEqual([2, 3, 5]);
      expect(byLine.get(3)).toEqual({
        id: contentId("prompt", 'write a haiku about "rain"'),
        prompt: 'Write a haiku about "rain"',
        source: { file: path, line: 3 },
        meta: { category: "poetry", notes: "two\nlines" },
      });
      expect(run.trace.tallies["records.read"]).toBe(3);
    }
  });

  it("reads a file with bare-CR line breaks (old Mac, some spreadsheet exports) as rows, not one header", async () => {
    const cr = csv.replaceAll("\r\n", "\r");
    const root = project({ "cr.csv": cr, "cr.csv.gz": cr });
    for (const path of ["cr.csv", "cr.csv.gz"]) {
      const run = await runPlugin(csvSource, { root, with: { path, prompt: "question" } });
      expect(run.records.map((r) => [(r.source as { line: number }).line, r.prompt])).toEqual(
        expect.arrayContaining([[2, "What is 2+2?"], [3, 'Write a haiku about "rain"'], [5, "Plain question without quotes"]]),
      );
      expect(run.records).toHaveLength(3);
      expect(run.records.find((r) => (r.source as { line: number }).line === 3)!.meta).toEqual({ category: "poetry", notes: "two\nlines" });
    }
  });

  it("keeps only the listed metadata columns and honours another delimiter", async () => {
    const root = project({ "t.tsv": "prompt\tlang\tscore\nBonjour ?\tfr\t3\n" });
    const run = await runPlugin(csvSource, { root, with: { path: "t.tsv", delimiter: "\t", meta: ["lang"] } });
    expect(run.records.map((r) => [r.prompt, r.meta])).toEqual([["Bonjour ?", { lang: "fr" }]]);
  });

  it("fails at the header when the prompt column is missing, with a suggestion", async () => {
    const root = project({ "q.csv": csv });
    await expect(runPlugin(csvSource, { root, with: { path: "q.csv", prompt: "questions" } })).rejects.toMatchObject({
      diagnostics: [{ message: expect.stringContaining('prompt column "questions" is not in the CSV header'), location: { file: "q.csv", line: 1 }, hint: 'did you mean "question"?' }],
    });
  });
});
