/**
 * Chat transcripts in the Anthropic HH form, `\n\nHuman: …\n\nAssistant: …`,
 * as role/content messages. A chosen/rejected pair shares every turn up to and
 * including the last Human turn: that is the prompt. What follows it is the
 * reply. (The real data has a few transcripts with two Assistant turns in a
 * row; they are kept as they are rather than rejected.)
 */
import { BadRecord } from "./problems.js";
import type { Message } from "./prompt.js";

const TURN = /\n\n(Human|Assistant):/g;

/** The messages of a transcript, which must start with a Human turn. */
export function parseTranscript(text: string, field: string): Message[] {
  const markers = [...text.matchAll(TURN)];
  const malformed = (why: string) => new BadRecord(`malformed HH transcript in "${field}": ${why}`);
  if (markers.length === 0) throw malformed('no "\\n\\nHuman:" turn');
  if (text.slice(0, markers[0]!.index).trim()) throw malformed('text before the first "\\n\\nHuman:" turn');
  if (markers[0]![1] !== "Human") throw malformed("the first turn is not a Human turn");
  return markers.map((m, i) => ({
    role: m[1] === "Human" ? "user" : "assistant",
    content: text.slice(m.index + m[0].length, markers[i + 1]?.index ?? text.length).trim(),
  }));
}

export interface HhExample {
  prompt: Message[];
  chosen: string;
  rejected: string;
}

/** Splits a transcript after its last Human turn. */
function splitAtReply(messages: Message[], field: string): { prompt: Message[]; reply: string } {
  let lastHuman = messages.length - 1;
  while (messages[lastHuman]!.role !== "user") lastHuman--;
  if (lastHuman === messages.length - 1) {
    throw new BadRecord(`malformed HH transcript in "${field}": no Assistant reply after the last Human turn`);
  }
  const reply = messages.slice(lastHuman + 1).map((m) => m.content);
  return { prompt: messages.slice(0, lastHuman + 1), reply: reply.join("\n\n") };
}

/** Splits a chosen/rejected pair into the shared prompt and the two final replies. */
export function splitPair(chosenText: string, rejectedText: string, fields: { chosen: string; rejected: string }): HhExample {
  const chosen = splitAtReply(parseTranscript(chosenText, fields.chosen), fields.chosen);
  const rejected = splitAtReply(parseTranscript(rejectedText, fields.rejected), fields.rejected);
  const same =
    chosen.prompt.length === rejected.prompt.length &&
    chosen.prompt.every((m, i) => m.role === rejected.prompt[i]!.role && m.content === rejected.prompt[i]!.content);
  if (!same) {
    throw new BadRecord(`malformed HH pair: "${fields.chosen}" and "${fields.rejected}" differ before their final replies`);
  }
  if (!chosen.prompt.some((m) => m.role === "user" && m.content)) throw new BadRecord("empty prompt: no Human turn has any text");
  return { prompt: chosen.prompt, chosen: chosen.reply, rejected: rejected.reply };
}
