/**
 * The training-data formats an export can write, one JSON object per line.
 *
 * - `trl-conversational` (the default): TRL "conversational" rows: `prompt` a
 *   list of messages (an instruction becomes one user message), `chosen` and
 *   `rejected` each a list holding one assistant message. TRL applies the
 *   model's chat template, so the boundary is the template's, not ours.
 * - `trl`: TRL "standard" rows `{prompt, chosen, rejected}`, all strings, with
 *   ONE convention for every row (see STANDARD_SEPARATOR): the prompt is
 *   rendered as an Anthropic-style transcript ending in the assistant's turn
 *   (`\n\nHuman: …\n\nAssistant:`; a plain instruction is one Human turn) and
 *   each completion starts with one space. TRL concatenates `prompt + chosen`
 *   before tokenizing, so the space keeps the boundary from merging into one
 *   token, as in TRL's documented `{"prompt": "The sky is", "chosen": " blue."}`.
 * - `openai`: OpenAI-style preference (DPO) rows: `input.messages`,
 *   `preferred_output` and `non_preferred_output`, each output a list with one
 *   assistant message. Consumers validate strictly, so no extra keys.
 * - `hh`: Anthropic HH rows `{chosen, rejected}`: each the full transcript
 *   `\n\nHuman: …\n\nAssistant: …` ending with the response. HH has no system
 *   role: a system message is written as plain text before the first turn.
 * - `unpaired`: TRL unpaired preference rows for KTO/BCO, conversational:
 *   `{prompt: messages, completion: [assistant message], label}`; each pair
 *   gives two rows, chosen (label true) then rejected (label false).
 *
 * With `extras`, formats that tolerate extra columns (all but `openai`) carry
 * the diagnostic columns of `diagnosticColumns`; `openai` gets them in a
 * sidecar `diagnostics.jsonl` instead.
 */
import { promptMessages, type ExportPair, type Message } from "./pairs.js";

export const FORMAT_NAMES = ["trl-conversational", "trl", "openai", "hh", "unpaired"] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** What the standard `trl` format puts between prompt and completion: the prompt ends `\n\nAssistant:`, the completion starts with this. */
export const STANDARD_SEPARATOR = " ";

/** Columns TRL's trainers read (DPO, Reward, KTO/BCO, vision): no diagnostic column may take one of these names. */
export const TRL_COLUMNS = [
  "prompt", "chosen", "rejected", "completion", "label", "margin", "messages", "images", "image", "tools",
  "input_ids", "attention_mask", "prompt_input_ids", "chosen_input_ids", "rejected_input_ids", "completion_input_ids",
] as const;

export interface Format {
  /** Whether rows may carry extra (diagnostic) columns. */
  readonly extraColumns: boolean;
  /** The rows a pair becomes (one, or two for `unpaired`). */
  rows(pair: ExportPair): Record<string, unknown>[];
}

export const FORMATS: Record<FormatName, Format> = {
  "trl-conversational": { extraColumns: true, rows: (p) => [trlConversationalRow(p)] },
  trl: { extraColumns: true, rows: (p) => [trlStandardRow(p)] },
  openai: { extraColumns: false, rows: (p) => [openaiRow(p)] },
  hh: { extraColumns: true, rows: (p) => [hhRow(p)] },
  unpaired: { extraColumns: true, rows: unpairedRows },
};

/** Rows per pair of a format: what a file's row count is in pairs. */
export const rowsPerPair = (format: FormatName): number => (format === "unpaired" ? 2 : 1);

function trlStandardRow(p: ExportPair): Record<string, unknown> {
  return {
    prompt: `${transcript(promptMessages(p.prompt))}\n\nAssistant:`,
    chosen: `${STANDARD_SEPARATOR}${p.chosen.text}`,
    rejected: `${STANDARD_SEPARATOR}${p.rejected.text}`,
  };
}

function trlConversationalRow(p: ExportPair): Record<string, unknown> {
  return {
    prompt: promptMessages(p.prompt),
    chosen: [assistant(p.chosen.text)],
    rejected: [assistant(p.rejected.text)],
  };
}

function openaiRow(p: ExportPair): Record<string, unknown> {
  return {
    input: { messages: promptMessages(p.prompt) },
    preferred_output: [assistant(p.chosen.text)],
    non_preferred_output: [assistant(p.rejected.text)],
  };
}

function hhRow(p: ExportPair): Record<string, unknown> {
  const context = transcript(promptMessages(p.prompt));
  return {
    chosen: `${context}\n\nAssistant: ${p.chosen.text}`,
    rejected: `${context}\n\nAssistant: ${p.rejected.text}`,
  };
}

function unpairedRows(p: ExportPair): Record<string, unknown>[] {
  const prompt = promptMessages(p.prompt);
  return [
    { prompt, completion: [assistant(p.chosen.text)], label: true },
    { prompt, completion: [assistant(p.rejected.text)], label: false },
  ];
}

const assistant = (content: string): Message => ({ role: "assistant", content });

const SPEAKER = { user: "Human", assistant: "Assistant" } as const;

/** `system text\n\nHuman: …\n\nAssistant: …`: the Anthropic HH transcript of messages. */
export function transcript(messages: readonly Message[]): string {
  return messages
    .map((m) => (m.role === "system" ? m.content : `\n\n${SPEAKER[m.role]}: ${m.content}`))
    .join("");
}
