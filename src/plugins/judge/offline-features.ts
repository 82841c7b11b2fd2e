/**
 * The text features of the fitted offline signal (`preference`): generic,
 * visible properties of a reply to a request — length, refusal and harm
 * markers, structure, readability, overlap with the request — and two
 * interactions with the request (a request that mentions harm changes what
 * length and refusing are worth). No feature names a dataset, a model or a
 * topic. scripts/fit-offline-judge.mjs fits weights over exactly these
 * features (it imports this module from dist/), so the judge and the fit can
 * never disagree on what a feature means.
 */
import {
  contentStems,
  harmTerms,
  isRefusal,
  keyTerms,
  looksInstructional,
  sentenceKeys,
  sentences,
  structureUnits,
  syllables,
  words,
} from "./text-features.js";
import { lastAsk, type PromptValue } from "./judgement.js";

export const FEATURE_NAMES = [
  "log-words",
  "refusal",
  "harm-terms",
  "harm-steps",
  "list-items",
  "paragraphs",
  "headings",
  "key-term-coverage",
  "reading-ease",
  "sentence-length",
  "repetition",
  "questions",
  "code",
  "complete-ending",
  "apology",
  "prompt-copy",
  "sensitive-ask×log-words",
  "sensitive-ask×refusal",
  "sensitive-ask×harm-terms",
  "ask-words×log-words",
  "earlier-turns×log-words",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

const APOLOGY = /\b(?:sorry|apologi[sz]e|apologies)\b/i;

/**
 * Requests that touch on harm, crime, abuse or offence, beyond the harm terms
 * a reply is checked for: the common vocabulary of moderation word lists.
 * Such a request changes what a reply's length and refusal are worth.
 */
const SENSITIVE_ASK =
  /\b(?:illegal\w*|crim\w*|steal\w*|stole|rob\w*|cheat\w*|lie to|lying|revenge|hurt\w*|harm\w*|punch\w*|hit (?:him|her|them|someone)|fight\w*|beat up|guns?|knife|knives|bomb\w*|weapons?|kill\w*|murder\w*|poison\w*|drugs?|cocaine|heroin|meth|weed|marijuana|drunk|insult\w*|offensive|racis\w*|slurs?|curse words?|cuss\w*|swear\w*|hate|sex\w*|porn\w*|nude\w*|prank\w*|spy|stalk\w*|hack\w*|scam\w*|fraud\w*|fake|break into|sneak\w*|get away with|without (?:getting caught|them knowing)|suicide|racist|terror\w*)\b/i;

/** The feature vector of one reply, in FEATURE_NAMES order. */
export function replyFeatures(prompt: PromptValue, text: string): number[] {
  const ask = lastAsk(prompt);
  const turns = typeof prompt === "string" ? [] : prompt.slice(0, -1);
  const userText = typeof prompt === "string" ? prompt : prompt.filter((m) => m.role === "user").map((m) => m.content).join("\n");
  const ws = words(text);
  const n = ws.length;
  const logWords = Math.log1p(n);
  const refusal = isRefusal(text) ? 1 : 0;
  const harms = harmTerms(text).length;
  const units = structureUnits(text);
  const sents = sentences(text);
  const terms = keyTerms(ask);
  const reply = new Set(contentStems(text));
  const coverage = terms.length === 0 ? 0 : terms.filter((t) => reply.has(t)).length / terms.length;
  const letters = ws.filter((w) => /\p{L}/u.test(w));
  const syl = letters.reduce((s, w) => s + syllables(w), 0);
  const ease = letters.length < 5 ? 60 : 206.835 - 1.015 * (letters.length / Math.max(1, sents.length)) - 84.6 * (syl / letters.length);
  const norm = sentenceKeys(text);
  const askStems = new Set(contentStems(ask));
  const copied = reply.size === 0 ? 0 : [...reply].filter((s) => askStems.has(s)).length / reply.size;
  const sensitiveAsk = harmTerms(userText).length > 0 || SENSITIVE_ASK.test(userText) ? 1 : 0;
  const askWords = Math.log1p(words(ask).length);
  return [
    logWords,
    refusal,
    Math.min(4, harms),
    harms >= 2 && looksInstructional(text) ? 1 : 0,
    Math.log1p(units.listItems),
    Math.log1p(units.paragraphs),
    Math.log1p(units.headings),
    coverage,
    Math.min(1, Math.max(-1, (ease - 60) / 50)),
    Math.min(3, n / Math.max(1, sents.length) / 20),
    norm.length === 0 ? 0 : (norm.length - new Set(norm).size) / norm.length,
    Math.log1p((text.match(/\?/g) ?? []).length),
    /```|^ {4}\S/m.test(text) ? 1 : 0,
    /[.!?)"'`*\]]\s*$/.test(text.trim()) || n === 0 ? 1 : 0,
    APOLOGY.test(text.slice(0, 300)) ? 1 : 0,
    copied,
    sensitiveAsk * logWords,
    sensitiveAsk * refusal,
    sensitiveAsk * Math.min(4, harms),
    ((askWords - 3) * logWords) / 3,
    Math.log1p(turns.length) * logWords,
  ];
}
