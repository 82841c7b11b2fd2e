/**
 * Text normalisation shared by sources (for stable ids) and dedup (for
 * comparison): Unicode NFKC, lower case, runs of white space folded to one
 * space, trimmed. Two prompts that differ only in these ways are the same prompt.
 *
 * The definition is `text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim()`;
 * the code below returns exactly that, only faster on common text (dedup
 * normalises every document, and the white-space replace dominated its cost):
 * - pure ASCII is already in NFKC, so `normalize` is skipped;
 * - when no white space other than single spaces is left, folding would change
 *   nothing, so the replace (which matches every single space) is skipped.
 */
export function normaliseText(text: string): string {
  const lower = (NON_ASCII.test(text) ? text.normalize("NFKC") : text).toLowerCase();
  return (NEEDS_FOLDING.test(lower) ? lower.replace(WHITE_SPACE_RUN, " ") : lower).trim();
}

const NON_ASCII = /[^\x00-\x7f]/;
/** White space other than a lone space (a tab, newline, NBSP, …), or two spaces in a row. */
const NEEDS_FOLDING = /[^\S ]| {2}/;
const WHITE_SPACE_RUN = /\s+/gu;

type Message = { role: string; content: string };

/** A prompt (string or conversation) as one normalised string, roles included. */
export function normalisePrompt(prompt: string | readonly Message[]): string {
  if (typeof prompt === "string") return normaliseText(prompt);
  return prompt.map((m) => `${m.role}: ${normaliseText(m.content)}`).join("\n");
}
