/**
 * The order an LLM judge sends calls that share a prefix: the first alone,
 * then the rest once it is answered (first-then-rest.ts), because a prefix
 * cache (vLLM's, OpenAI's) serves only what it has already computed. A
 * provider that collects calls into batches gets them all at once: there the
 * order does not matter, and waiting for an answer would hold a batch back by
 * hours. `onFirst` is then called at once.
 */
import { firstThenRest } from "../../engine/async/first-then-rest.js";
import type { LlmProvider } from "../../providers/llm.js";

export function inCacheOrder<T, R>(provider: LlmProvider, items: readonly T[], f: (item: T) => Promise<R>, onFirst?: () => void): Promise<R[]> {
  if (!provider.queuesCalls) return firstThenRest(items, f, onFirst);
  const all = Promise.all(items.map(f));
  onFirst?.();
  return all;
}
