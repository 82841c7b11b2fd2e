/**
 * `f` of the first item, then of the rest at once; results in order. For
 * calls that share a prefix a cache must have computed before it can serve
 * it (an LLM judge's calls about one response): the first warms the cache.
 * `onFirst` says when the first is done, for callers that warm a cache for others too.
 */
export async function firstThenRest<T, R>(items: readonly T[], f: (item: T) => Promise<R>, onFirst?: () => void): Promise<R[]> {
  if (items.length === 0) return [];
  const first = await f(items[0]!);
  onFirst?.();
  return [first, ...(await Promise.all(items.slice(1).map(f)))];
}
