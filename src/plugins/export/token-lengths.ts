/**
 * Token lengths of exported rows under a target model's tokenizer, for
 * `dpo check --tokenizer`: what TRL would see after applying the chat template
 * (conversational formats, when `tokenizer_config.json` beside the tokenizer
 * has one) or concatenating prompt + completion (string formats). The
 * tokenizer libraries are loaded only here, only when asked for.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FormatName } from "./formats.js";

type Message = { role: string; content: string };
type Row = Record<string, unknown>;

export interface RowTokenizer {
  /** Whether conversational rows are rendered with the model's chat template (else their contents joined by newlines). */
  readonly chatTemplate: boolean;
  /** The token count of each sequence TRL trains on for this row: prompt + each completion. */
  lengths(format: FormatName, row: Row): number[];
}

export async function loadRowTokenizer(tokenizerPath: string): Promise<RowTokenizer> {
  const [{ Tokenizer }, tokenizerJson, config] = await Promise.all([
    import("@huggingface/tokenizers"),
    readFile(tokenizerPath, "utf8").then((t) => JSON.parse(t) as object),
    readJsonIfPresent(join(dirname(tokenizerPath), "tokenizer_config.json")),
  ]);
  const tokenizer = new Tokenizer(tokenizerJson, config ?? {});
  const source = chatTemplateOf(config);
  const template = source ? new (await import("@huggingface/jinja")).Template(source) : null;
  const specials = Object.fromEntries(
    ["bos_token", "eos_token", "pad_token", "unk_token"].map((k) => [k, tokenText(config?.[k])]),
  );
  const count = (text: string, special: boolean) => tokenizer.encode(text, { add_special_tokens: special }).ids.length;
  const conversation = (messages: Message[]) =>
    template
      ? count(template.render({ messages, add_generation_prompt: false, ...specials }), false)
      : count(messages.map((m) => m.content).join("\n"), true);
  const text = (t: string) => count(t, true);
  return {
    chatTemplate: template !== null,
    lengths(format, row) {
      switch (format) {
        case "trl-conversational":
          return [row.chosen, row.rejected].map((c) => conversation([...(row.prompt as Message[]), ...(c as Message[])]));
        case "openai": {
          const prompt = (row.input as { messages: Message[] }).messages;
          return [row.preferred_output, row.non_preferred_output].map((c) => conversation([...prompt, ...(c as Message[])]));
        }
        case "unpaired":
          return [conversation([...(row.prompt as Message[]), ...(row.completion as Message[])])];
        case "trl":
          return [row.chosen, row.rejected].map((c) => text(`${row.prompt as string}${c as string}`));
        case "hh":
          return [row.chosen, row.rejected].map((c) => text(c as string));
      }
    },
  };
}

async function readJsonIfPresent(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** `chat_template` is a string, or a list of named templates of which "default" is the one TRL uses. */
function chatTemplateOf(config: Record<string, unknown> | null): string | null {
  const t = config?.chat_template;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) {
    const named = t as { name?: string; template?: string }[];
    return (named.find((x) => x.name === "default") ?? named[0])?.template ?? null;
  }
  return null;
}

/** A special token in tokenizer_config.json: a string, or an AddedToken object with `content`. */
function tokenText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "object" && v !== null && typeof (v as { content?: unknown }).content === "string") return (v as { content: string }).content;
  return "";
}
