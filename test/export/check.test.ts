/**
 * `dpo check`: every data file of the built iterations under out/ against the
 * format its manifest gives, and, with a tokenizer (a tiny one written here),
 * the rows longer than max_length tokens.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { checkOutputs, run } from "../../src/cli/commands/check.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { FORMAT_NAMES } from "../../src/plugins/export/formats.js";
import { loadRowTokenizer } from "../../src/plugins/export/token-lengths.js";
import { runExport } from "./helpers.js";

let published: Map<string, string>;
beforeAll(async () => {
  published = (await runExport({ iterations: [20, 40], eval: { size: 10 }, formats: [...FORMAT_NAMES], extras: true })).files;
});
afterEach(() => vi.restoreAllMocks());

/** A project folder whose out/ holds the export's files. */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), "dpo-check-"));
  for (const [path, content] of published) {
    mkdirSync(dirname(join(root, "out", path)), { recursive: true });
    writeFileSync(join(root, "out", path), content);
  }
  return root;
}

/** A word-level tokenizer over a handful of words (anything else is [UNK]), split on whitespace and punctuation. */
function writeTokenizer(dir: string, chatTemplate?: string): string {
  const vocab = Object.fromEntries(["[UNK]", "<s>", "user", "assistant", "Human", "Assistant"].map((t, i) => [t, i]));
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [{ id: 1, content: "<s>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: "Whitespace" },
    post_processor: null,
    decoder: null,
    model: { type: "WordLevel", vocab, unk_token: "[UNK]" },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
  if (chatTemplate) writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: "<s>", chat_template: chatTemplate }));
  return join(dir, "tokenizer.json");
}

describe("dpo check", () => {
  it("passes every file the export wrote, one line per data file", async () => {
    const report = await checkOutputs(project(), { maxLength: 1024 });
    expect(report.failed).toBe(0);
    expect(report.files).toBe(2 * 2 * FORMAT_NAMES.length);
    expect(report.lines).toHaveLength(report.files);
    expect(report.lines).toContain("ok   out/iter-0020/train.trl.jsonl (trl)");
  });

  it("fails a broken file with file:line, and exits 1", async () => {
    const root = project();
    const file = join(root, "out/iter-0040/train.trl.jsonl");
    const lines = readFileSync(file, "utf8").split("\n");
    const row = JSON.parse(lines[4]!);
    lines[4] = JSON.stringify({ ...row, chosen: row.chosen.trimStart(), prompt: row.prompt.trimEnd() });
    writeFileSync(file, lines.join("\n"));
    const report = await checkOutputs(root, { maxLength: 1024 });
    expect(report.failed).toBe(1);
    expect(report.lines).toContain("FAIL out/iter-0040/train.trl.jsonl (trl)");
    expect(report.lines.join("\n")).toContain("out/iter-0040/train.trl.jsonl:5: no whitespace between `prompt` and `chosen`");
    expect(report.lines.join("\n")).toContain("changed since it was exported");
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(await run(["-C", root])).toBe(1);
    expect(out.mock.calls.map((c) => String(c[0])).join("")).toContain("1 with problems");
  });

  it("says when nothing is built", async () => {
    const empty = mkdtempSync(join(tmpdir(), "dpo-check-"));
    await expect(checkOutputs(empty, { maxLength: 1024 })).rejects.toBeInstanceOf(DpoError);
  });

  it("with a tokenizer, reports rows longer than max_length at their line", async () => {
    const root = project();
    writeTokenizer(join(root, "tok"), "{% for m in messages %}{{ bos_token }}{{ m.role }} {{ m.content }}{% endfor %}");
    const report = await checkOutputs(root, { tokenizer: "tok/tokenizer.json", maxLength: 40 });
    expect(report.failed).toBe(0);
    const text = report.lines.join("\n");
    expect(text).toMatch(/ok {3}out\/iter-0020\/train\.trl-conversational\.jsonl \(trl-conversational\): longest \d+ tokens, \d+ of 20 rows longer than 40/);
    expect(text).toMatch(/out\/iter-0020\/train\.unpaired\.jsonl:\d+: \d+ tokens, longer than max_length 40/);
    const huge = await checkOutputs(root, { tokenizer: "tok/tokenizer.json", maxLength: 1_000_000 });
    expect(huge.lines.join("\n")).toContain("0 of 20 rows longer than 1000000");
  });
});

describe("row tokenizer", () => {
  it("counts prompt + completion: through the chat template for messages, concatenated for strings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpo-tok-"));
    const conversational = { prompt: [{ role: "user", content: "a b c" }], chosen: [{ role: "assistant", content: "d" }], rejected: [{ role: "assistant", content: "e f" }] };
    const plain = await loadRowTokenizer(writeTokenizer(join(dir, "plain")));
    expect(plain.chatTemplate).toBe(false);
    // Without a template: contents joined by newlines: "a b c\nd" and "a b c\ne f".
    expect(plain.lengths("trl-conversational", conversational)).toEqual([4, 5]);
    expect(plain.lengths("trl", { prompt: "\n\nHuman: a\n\nAssistant:", chosen: " b", rejected: " c d" })).toEqual([6, 7]); // Human : a Assistant : b (c d)
    const templated = await loadRowTokenizer(writeTokenizer(join(dir, "templated"), "{% for m in messages %}{{ bos_token }}{{ m.role }} {{ m.content }}{% endfor %}"));
    expect(templated.chatTemplate).toBe(true);
    // "<s>user a b c<s>assistant d": <s>, user, a, b, c, <s>, assistant, d.
    expect(templated.lengths("trl-conversational", conversational)).toEqual([8, 9]);
    expect(templated.lengths("unpaired", { prompt: conversational.prompt, completion: conversational.chosen, label: true })).toEqual([8]);
  });
});
