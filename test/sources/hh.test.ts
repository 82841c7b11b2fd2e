import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { contentId } from "../../src/engine/hash.js";
import { parseTranscript, splitPair } from "../../src/plugins/source/hh-transcript.js";
import hhSource from "../../src/plugins/source/hh.js";
import { normalisePrompt } from "../../src/plugins/text/normalise.js";
import { runPlugin } from "../support/run-plugin.js";
import { fixtures, jsonl, project } from "./project.js";

const fields = { chosen: "chosen", rejected: "rejected" };

describe("HH transcripts", () => {
  it("become role/content messages", () => {
    expect(parseTranscript("\n\nHuman: Hi there \n\nAssistant: Hello!\n\nHuman: Bye", "chosen")).toEqual([
      { role: "user", content: "Hi there" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "Bye" },
    ]);
  });

  it("split into the shared prompt and the two final replies", () => {
    const prefix = "\n\nHuman: What is 2+2?\n\nAssistant: 4.\n\nHuman: And 3+3?";
    expect(splitPair(`${prefix}\n\nAssistant: 6.`, `${prefix}\n\nAssistant: No idea.`, fields)).toEqual({
      prompt: [
        { role: "user", content: "What is 2+2?" },
        { role: "assistant", content: "4." },
        { role: "user", content: "And 3+3?" },
      ],
      chosen: "6.",
      rejected: "No idea.",
    });
  });

  it("reject malformed transcripts", () => {
    const bad = (chosen: string, rejected = chosen) => () => splitPair(chosen, rejected, fields);
    expect(bad("Hello")).toThrow('malformed HH transcript in "chosen": no "\\n\\nHuman:" turn');
    expect(bad("intro\n\nHuman: hi\n\nAssistant: yo")).toThrow("text before the first");
    expect(bad("\n\nAssistant: hi\n\nHuman: yo\n\nAssistant: ok")).toThrow("the first turn is not a Human turn");
    expect(bad("\n\nHuman: hi\n\nAssistant: yo\n\nHuman: well?")).toThrow("no Assistant reply after the last Human turn");
    expect(bad("\n\nHuman: hi\n\nAssistant: a", "\n\nHuman: hello\n\nAssistant: b")).toThrow("differ before their final replies");
    expect(bad("\n\nHuman:   \n\nAssistant: a")).toThrow("empty prompt");
  });
});

describe("source/hh", () => {
  const path = "hh-rlhf/harmless-base-test.head50.jsonl.gz";

  it("reads the HH fixture into conversation prompts with the final replies in meta.hh", async () => {
    const run = await runPlugin(hhSource, { root: fixtures, with: { path } });
    expect(run.records).toHaveLength(50);
    const first = JSON.parse(gunzipSync(readFileSync(fixtures + path)).toString("utf8").split("\n")[0]!);
    const rec = run.records.find((r) => (r.source as { line: number }).line === 1)!;
    const prompt = rec.prompt as { role: string; content: string }[];
    expect(prompt.at(0)).toEqual({ role: "user", content: "what are some pranks with a pen i can do?" });
    expect(prompt.at(-1)).toEqual({ role: "user", content: "okay some of these do not have anything to do with pens" });
    expect(prompt).toHaveLength(5);
    expect(rec.meta).toEqual({
      hh: {
        chosen: first.chosen.split("\n\nAssistant: ").at(-1).trim(),
        rejected: first.rejected.split("\n\nAssistant: ").at(-1).trim(),
      },
    });
    expect(rec.id).toBe(contentId("prompt", normalisePrompt(prompt)));
    for (const r of run.records) expect((r.prompt as { role: string }[]).at(-1)!.role).toBe("user");
  });

  it("keeps other input fields as metadata and reads other field names", async () => {
    const root = project({
      "h.jsonl": jsonl([{ pair: { good: "\n\nHuman: hi\n\nAssistant: hello", bad: "\n\nHuman: hi\n\nAssistant: go away" }, split: "test" }]),
    });
    const run = await runPlugin(hhSource, { root, with: { path: "h.jsonl", chosen: "pair.good", rejected: "pair.bad" } });
    expect(run.records).toEqual([
      {
        id: contentId("prompt", "user: hi"),
        prompt: [{ role: "user", content: "hi" }],
        source: { file: "h.jsonl", line: 1 },
        meta: { split: "test", hh: { chosen: "hello", rejected: "go away" } },
      },
    ]);
  });
});
