/**
 * Text normalisation shared by sources (for stable ids) and dedup (for
 * comparison): Unicode NFKC, lower case, runs of white space folded to one
 * space, trimmed. Two prompts that differ only in these ways are the same prompt.
 */
export function normaliseText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();
}

type Message = { role: string; content: string };

/** A prompt (string or conversation) as one normalised string, roles included. */
export function normalisePrompt(prompt: string | readonly Message[]): string {
  if (typeof prompt === "string") return normaliseText(prompt);
  return prompt.map((m) => `${m.role}: ${normaliseText(m.content)}`).join("\n");
}
