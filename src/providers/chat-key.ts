/**
 * What identifies a chat call, for the memo: the endpoint identity, the model,
 * the messages, the sampling parameters, the JSON flag (or the reply schema's
 * digest) and the sample index.
 * Never credentials or header values. Absent parameters are left out, so
 * `{temperature: undefined}` and `{}` are the same call.
 */
import { canonicalJson } from "../engine/hash.js";
import type { ChatRequest } from "./llm.js";
import { formatKey, responseFormat } from "./structured-output.js";

export const CHAT_KEY_VERSION = "chat@1";

/** The sampling parameters a request may set, in sorted order (so the key stays canonical). */
const SAMPLING = ["max_tokens", "seed", "stop", "temperature", "top_p"] as const;

/** The sampling parameters that are set, with keys in sorted order. */
export function samplingParams(request: ChatRequest): Record<string, unknown> {
  return withSampling({}, request);
}

/** Copies the set sampling parameters of `request` onto `target`; a plain loop, as this runs for every call. */
function withSampling(target: Record<string, unknown>, request: ChatRequest): Record<string, unknown> {
  for (const name of SAMPLING) {
    if (request[name] !== undefined) target[name] = request[name];
  }
  return target;
}

/**
 * The memo key as canonical JSON. Every object in it is built with its keys in
 * sorted order, so plain JSON.stringify is canonical: walking the key with
 * json-stable-stringify on every call is a measurable share of a cached call.
 */
export function chatKey(identity: Readonly<Record<string, unknown>>, request: ChatRequest, sample: number): string {
  return sampleKey(chatKeyHead(identity, request), sample);
}

/**
 * What the keys of every sample of `request` share: the key without its last
 * element, the sample index. Worked out once for the samples of one request.
 */
export function chatKeyHead(identity: Readonly<Record<string, unknown>>, request: ChatRequest): string {
  const head = JSON.stringify([
    CHAT_KEY_VERSION,
    sortedCopy(identity),
    request.model,
    request.messages.map((m) => ({ content: m.content, role: m.role })),
    samplingParams(request),
    formatKey(request),
  ]);
  return head.slice(0, -1); // without the closing bracket
}

/** The key of one sample: its head with the sample index appended, as JSON.stringify of the whole list would write it. */
export function sampleKey(head: string, sample: number): string {
  return `${head},${JSON.stringify(sample) ?? "null"}]`;
}

/** The identity with its keys (at every depth) sorted, made once per identity object. */
const sortedIdentities = new WeakMap<object, unknown>();
function sortedCopy(identity: Readonly<Record<string, unknown>>): unknown {
  if (!sortedIdentities.has(identity)) sortedIdentities.set(identity, JSON.parse(canonicalJson(identity)));
  return sortedIdentities.get(identity);
}

/** The OpenAI request body for a chat request. */
export function requestBody(request: ChatRequest): Record<string, unknown> {
  const body = withSampling({ model: request.model, messages: request.messages.map((m) => ({ role: m.role, content: m.content })) }, request);
  const format = responseFormat(request);
  if (format) body.response_format = format;
  return body;
}

/**
 * A rough token count before the call (about four characters per token, plus
 * the completion budget), for the tokens-per-minute limit; corrected by the
 * reported usage afterwards.
 */
export function estimateTokens(request: ChatRequest): number {
  const chars = request.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(chars / 4) + (request.max_tokens ?? 256);
}

/** A short single-line excerpt of the last user message, for error messages. */
export function promptExcerpt(request: ChatRequest, max = 80): string {
  const last = [...request.messages].reverse().find((m) => m.role === "user") ?? request.messages.at(-1);
  const flat = (last?.content ?? "").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
