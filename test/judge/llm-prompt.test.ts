/**
 * The judge prompt's layout for prefix caching: what the calls about one
 * candidate share comes first, the criteria asked about last.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseConfigFile } from "../../src/engine/config/config-file.js";
import { judgeMessages } from "../../src/plugins/judge/llm-prompt.js";
import { checkRubric } from "../../src/plugins/rubric/load.js";
import { rubricSchema } from "../../src/plugins/rubric/model.js";

const rubric = checkRubric(parseConfigFile(readFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), "utf8"), "rubrics/helpfulness.yaml", rubricSchema));
const prompt = "Write a haiku about the sea.";
const response = "Waves fold into foam\nsalt wind carries gull voices\nthe tide keeps its time";
const text = (messages: { content: string }[]) => messages.map((m) => m.content).join("\n");

function commonPrefix(texts: string[]): string {
  let n = Math.min(...texts.map((t) => t.length));
  for (const t of texts) while (!t.startsWith(texts[0]!.slice(0, n))) n--;
  return texts[0]!.slice(0, n);
}

describe("judge prompt layout", () => {
  test("per criterion: the calls about one response share everything up to the criterion, which comes last", () => {
    const calls = rubric.criteria.map((c) => text(judgeMessages(rubric, [c], prompt, response)));
    const shared = commonPrefix(calls);
    expect(shared.startsWith(judgeMessages(rubric, [rubric.criteria[0]!], prompt, response)[0]!.content)).toBe(true); // one system message
    expect(shared).toContain(rubric.instructions.trim());
    expect(shared).toContain(prompt);
    expect(shared).toContain(response);
    rubric.criteria.forEach((c, i) => {
      const tail = calls[i]!.slice(shared.length);
      expect(calls[i]!.indexOf(`## ${c.id}`)).toBeGreaterThan(calls[i]!.indexOf(response)); // after the response
      for (const other of rubric.criteria.filter((o) => o !== c)) expect(calls[i]).not.toContain(`## ${other.id}`);
      expect(tail.length).toBeLessThan(c.description.length + 600); // the criterion, little more
    });
  });

  test("all criteria in one call: the criteria come after the prompt and the response too", () => {
    const user = judgeMessages(rubric, rubric.criteria, prompt, response)[1]!.content;
    const firstCriterion = user.indexOf(`## ${rubric.criteria[0]!.id}`);
    expect(firstCriterion).toBeGreaterThan(user.indexOf(response));
    expect(firstCriterion).toBeGreaterThan(user.indexOf(prompt));
  });

  test("rubricContext all: the whole rubric is in the shared system message; the tail names the criteria asked", () => {
    const calls = rubric.criteria.map((c) => judgeMessages(rubric, [c], prompt, response, "all"));
    const shared = commonPrefix(calls.map(text));
    for (const c of rubric.criteria) expect(shared).toContain(`## ${c.id}`);
    expect(shared).toContain(response);
    rubric.criteria.forEach((c, i) => expect(text(calls[i]!).slice(shared.length).length).toBeLessThan(c.id.length + 40));
  });
});
