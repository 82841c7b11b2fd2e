/**
 * Each export format checked row by row against the format's rules, and
 * against the pair it came from (the row order is the membership rank order).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Rec } from "../../src/engine/plugin.js";
import { alpacaPairs, SYSTEM } from "./alpaca-pairs.js";
import { byId, runExport, type ExportRun } from "./helpers.js";

type Row = Record<string, unknown>;
type Msg = { role: string; content: string };

const pairById = byId(alpacaPairs());
const EXTRA_COLUMNS = [
  "pair_id",
  "prompt_id",
  "stratum",
  "chosen_model",
  "rejected_model",
  "score_chosen",
  "score_rejected",
  "score_margin",
  "reason",
  "agreement_share",
  "disputed",
];

/** The pair behind each row of `<split>.<format>.jsonl`, in file order. */
function pairsOf(run: ExportRun, split: "train" | "eval"): Rec[] {
  return run.records
    .filter((r) => r.split === split)
    .sort((a, b) => (a.rank as number) - (b.rank as number))
    .map((r) => pairById.get(r.id)!);
}

const text = (p: Rec, side: "chosen" | "rejected") => (p[side] as { text: string }).text;
const instruction = (p: Rec) => (typeof p.prompt === "string" ? p.prompt : (p.prompt as Msg[]).at(-1)!.content);
const isConversation = (p: Rec) => Array.isArray(p.prompt);

function expectKeys(row: Row, keys: string[]) {
  expect(Object.keys(row).sort()).toEqual([...keys].sort());
}

function expectMessages(value: unknown, roles: string[]) {
  expect(Array.isArray(value)).toBe(true);
  const list = value as Msg[];
  expect(list.map((m) => m.role)).toEqual(roles);
  for (const m of list) {
    expectKeys(m, ["role", "content"]);
    expect(typeof m.content).toBe("string");
    expect(m.content.length).toBeGreaterThan(0);
  }
}

/** Rules of TRL's standard preference type: three strings, one transcript convention for every row. */
function validateTrl(row: Row, p: Rec) {
  for (const k of ["prompt", "chosen", "rejected"]) expect(typeof row[k]).toBe("string");
  const head = isConversation(p) ? SYSTEM : "";
  expect(row.prompt).toBe(`${head}\n\nHuman: ${instruction(p)}\n\nAssistant:`);
  expect(row.chosen).toBe(` ${text(p, "chosen")}`);
  expect(row.rejected).toBe(` ${text(p, "rejected")}`);
}

/** Rules of TRL's conversational preference type. */
function validateTrlConversational(row: Row, p: Rec) {
  expectMessages(row.prompt, isConversation(p) ? ["system", "user"] : ["user"]);
  expect((row.prompt as Msg[]).at(-1)!.content).toBe(instruction(p));
  expectMessages(row.chosen, ["assistant"]);
  expectMessages(row.rejected, ["assistant"]);
  expect((row.chosen as Msg[])[0]!.content).toBe(text(p, "chosen"));
  expect((row.rejected as Msg[])[0]!.content).toBe(text(p, "rejected"));
}

/** OpenAI preference fine-tuning: exactly these keys, one assistant message per output. */
function validateOpenai(row: Row, p: Rec) {
  expectKeys(row, ["input", "preferred_output", "non_preferred_output"]);
  expectKeys(row.input as Row, ["messages"]);
  const messages = (row.input as { messages: Msg[] }).messages;
  expectMessages(messages, isConversation(p) ? ["system", "user"] : ["user"]);
  expect(messages.at(-1)!.content).toBe(instruction(p));
  expectMessages(row.preferred_output, ["assistant"]);
  expectMessages(row.non_preferred_output, ["assistant"]);
  expect((row.preferred_output as Msg[])[0]!.content).toBe(text(p, "chosen"));
  expect((row.non_preferred_output as Msg[])[0]!.content).toBe(text(p, "rejected"));
}

/** Anthropic HH: two full transcripts, alternating Human/Assistant turns, ending with the response. */
function validateHh(row: Row, p: Rec) {
  for (const side of ["chosen", "rejected"] as const) {
    const t = row[side] as string;
    expect(typeof t).toBe("string");
    const head = isConversation(p) ? SYSTEM : "";
    expect(t.startsWith(`${head}\n\nHuman: `)).toBe(true);
    const turns = t.slice(head.length).split(/\n\n(Human|Assistant): /).slice(1);
    const speakers = turns.filter((_, i) => i % 2 === 0);
    expect(speakers).toEqual(["Human", "Assistant"]);
    expect(turns[1]).toBe(instruction(p));
    expect(turns[3]).toBe(text(p, side));
  }
}

/** TRL unpaired (KTO/BCO): two rows per pair, the chosen one labelled true, then the rejected one false. */
function validateUnpaired(rows: Row[], p: Rec) {
  expect(rows.map((r) => r.label)).toEqual([true, false]);
  for (const [row, side] of [[rows[0]!, "chosen"], [rows[1]!, "rejected"]] as const) {
    expectMessages(row.prompt, isConversation(p) ? ["system", "user"] : ["user"]);
    expect((row.prompt as Msg[]).at(-1)!.content).toBe(instruction(p));
    expectMessages(row.completion, ["assistant"]);
    expect((row.completion as Msg[])[0]!.content).toBe(text(p, side));
  }
}

const VALIDATORS = {
  trl: validateTrl,
  "trl-conversational": validateTrlConversational,
  openai: validateOpenai,
  hh: validateHh,
} as const;

describe("export formats", () => {
  let plain: ExportRun;
  let extras: ExportRun;
  const withBlock = { iterations: [60], eval: { size: 20 }, formats: [...Object.keys(VALIDATORS), "unpaired"] };
  // Seed 2: its sample order puts conversations and plain instructions in both splits.
  beforeAll(async () => {
    plain = await runExport(withBlock, { seed: 2 });
    extras = await runExport({ ...withBlock, extras: true }, { seed: 2 });
  });

  for (const [format, validate] of Object.entries(VALIDATORS)) {
    it(`writes valid ${format} rows for plain instructions and conversations`, () => {
      for (const split of ["train", "eval"] as const) {
        const rows = plain.rows(`iter-0060/${split}.${format}.jsonl`);
        const pairs = pairsOf(plain, split);
        expect(rows).toHaveLength(pairs.length);
        expect(pairs.some(isConversation)).toBe(true);
        expect(pairs.some((p) => !isConversation(p))).toBe(true);
        rows.forEach((row, i) => {
          if (format !== "openai") expectKeys(row, format === "hh" ? ["chosen", "rejected"] : ["prompt", "chosen", "rejected"]);
          validate(row, pairs[i]!);
        });
      }
    });
  }

  it("adds diagnostic columns where the format allows them, and a sidecar for openai", () => {
    const pairs = [...pairsOf(extras, "train"), ...pairsOf(extras, "eval")];
    for (const format of ["trl", "trl-conversational", "hh"] as const) {
      const rows = [...extras.rows(`iter-0060/train.${format}.jsonl`), ...extras.rows(`iter-0060/eval.${format}.jsonl`)];
      rows.forEach((row, i) => {
        const p = pairs[i]!;
        VALIDATORS[format](row, p);
        for (const c of EXTRA_COLUMNS) expect(row).toHaveProperty(c);
        expect(row.pair_id).toBe(p.id);
        expect(row.prompt_id).toBe(p.promptId);
        expect(row.stratum).toBe((p.meta as { dataset: string }).dataset);
        expect(row.score_chosen).toBe((p.chosen as { score: number }).score);
        expect(row.score_rejected).toBe((p.rejected as { score: number }).score);
        expect(row.score_margin).toBe(p.margin);
        expect(row).not.toHaveProperty("margin");
        expect(row.reason).toBe(p.reason);
        expect(row.agreement_share).toBe((p.agreement as { share: number }).share);
        expect(row.disputed).toBe((p.agreement as { disputed: boolean }).disputed);
        expect(row.chosen_model).toBe((p.chosen as { model: string }).model);
      });
    }
    // OpenAI rejects unknown keys: its rows are the same with or without extras.
    expect(extras.file("iter-0060/train.openai.jsonl")).toBe(plain.file("iter-0060/train.openai.jsonl"));
    const sidecar = extras.rows("iter-0060/diagnostics.jsonl");
    expect(sidecar).toHaveLength(pairs.length);
    const trainCount = pairsOf(extras, "train").length;
    sidecar.forEach((row, i) => {
      expectKeys(row, ["split", ...EXTRA_COLUMNS]);
      expect(row.split).toBe(i < trainCount ? "train" : "eval");
      expect(row.pair_id).toBe(pairs[i]!.id);
      expect(row.score_margin).toBe(pairs[i]!.margin);
    });
    expect(plain.files.has("iter-0060/diagnostics.jsonl")).toBe(false);
  });

  it("writes unpaired rows, two per pair, with the pair's diagnostic columns on both", () => {
    for (const run of [plain, extras]) {
      for (const split of ["train", "eval"] as const) {
        const rows = run.rows(`iter-0060/${split}.unpaired.jsonl`);
        const pairs = pairsOf(run, split);
        expect(rows).toHaveLength(2 * pairs.length);
        pairs.forEach((p, i) => {
          validateUnpaired(rows.slice(2 * i, 2 * i + 2), p);
          for (const row of rows.slice(2 * i, 2 * i + 2)) {
            if (run === plain) expectKeys(row, ["prompt", "completion", "label"]);
            else expect(row.pair_id).toBe(p.id);
          }
        });
      }
    }
  });

  it("writes only the requested formats (trl-conversational by default), with the reproducing inputs", async () => {
    const run = await runExport({ iterations: [10] });
    expect([...run.files.keys()].filter((f) => !f.startsWith("iter-0010/inputs/")).sort()).toEqual([
      "iter-0010/README.md",
      "iter-0010/manifest.json",
      "iter-0010/provenance.json",
      "iter-0010/train.trl-conversational.jsonl",
    ]);
  });
});
