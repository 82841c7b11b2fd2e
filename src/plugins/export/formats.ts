/**
 * The training-data formats an export can write, one JSON object per line.
 *
 * - `trl`: TRL "standard" preference rows `{prompt, chosen, rejected}`, all
 *   strings. A plain instruction is the prompt as is and the completions are the
 *   bare responses. A conversation prompt is rendered as an Anthropic-style
 *   transcript ending in the assistant's turn (`…\n\nHuman: …\n\nAssistant:`)
 *   and each completion then starts with a space, so prompt + completion reads
 *   as one transcript, as in the HH data TRL's own examples use.
 * - `trl-conversational`: TRL "conversational" rows: `prompt` a list of
 *   messages (an instruction becomes one user message), `chosen` and `rejected`
 *   each a list holding one assistant message. TRL applies the chat template.
 * - `openai`: OpenAI preference (DPO) fine-tuning rows: `input.messages`,
 *   `preferred_output` and `non_preferred_output`, each output a list with one
 *   assistant message. OpenAI validates the file strictly, so no extra keys.
 * - `hh`: Anthropic HH rows `{chosen, rejected}`: each the full transcript
 *   `\n\nHuman: …\n\nAssistant: …` ending with the response. HH has no system
 *   role: a system message is written as plain text before the first turn.
 *
 * With `extras`, formats that tolerate extra columns (all but `openai`) carry
 * the diagnostic columns of `diagnosticColumns`; `openai` gets them in a
 * sidecar `diagnostics.jsonl` instead.
 */
import { promptMessages, type ExportPair, type Message } from "./pairs.js";

export const FORMAT_NAMES = ["trl", "trl-conversational", "openai", "hh"] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface Format {
  /** Whether rows may carry extra (diagnostic) columns. */
  readonly extraColumns: boolean;
  row(pair: ExportPair): Record<string, unknown>;
}

export const FORMATS: Record<FormatName, Format> = {
  trl: { extraColumns: true, row: trlStandardRow },
  "trl-conversational": { extraColumns: true, row: trlConversationalRow },
  openai: { extraColumns: false, row: openaiRow },
  hh: { extraColumns: true, row: hhRow },
};

function trlStandardRow(p: ExportPair): Record<string, unknown> {
  if (typeof p.prompt === "string") return { prompt: p.prompt, chosen: p.chosen.text, rejected: p.rejected.text };
  return {
    prompt: `${transcript(p.prompt)}\n\nAssistant:`,
    chosen: ` ${p.chosen.text}`,
    rejected: ` ${p.rejected.text}`,
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

const assistant = (content: string): Message => ({ role: "assistant", content });

const SPEAKER = { user: "Human", assistant: "Assistant" } as const;

/** `system text\n\nHuman: …\n\nAssistant: …`: the Anthropic HH transcript of messages. */
export function transcript(messages: readonly Message[]): string {
  return messages
    .map((m) => (m.role === "system" ? m.content : `\n\n${SPEAKER[m.role]}: ${m.content}`))
    .join("");
}

/**
 * The diagnostic context of a pair, as flat columns (null when unknown, so
 * every row has the same columns and `datasets` infers one schema).
 */
export function diagnosticColumns(p: ExportPair): Record<string, unknown> {
  return {
    pair_id: p.id,
    prompt_id: p.promptId,
    stratum: p.stratum,
    chosen_model: p.chosen.model ?? null,
    rejected_model: p.rejected.model ?? null,
    score_chosen: p.chosen.score ?? null,
    score_rejected: p.rejected.score ?? null,
    margin: p.margin ?? null,
    reason: p.reason ?? null,
    agreement_share: p.agreement?.share ?? null,
    disputed: p.agreement?.disputed ?? null,
  };
}
