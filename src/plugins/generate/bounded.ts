/**
 * Maps an async stream with at most `limit` items in progress. On the first
 * failure no new item starts, but the ones already running are allowed to
 * finish (so their work is kept, e.g. memoised), then that first error is thrown.
 */
export async function mapBounded<T, R>(
  items: AsyncIterable<T>,
  limit: number,
  signal: AbortSignal,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const source = items[Symbol.asyncIterator]();
  const out: R[] = [];
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      if (signal.aborted) throw signal.reason;
      const next = await source.next();
      if (next.done || failure) return;
      try {
        out.push(await fn(next.value));
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = await Promise.allSettled(Array.from({ length: Math.max(1, limit) }, worker));
  if (failure) throw failure.error;
  const rejected = workers.find((w): w is PromiseRejectedResult => w.status === "rejected");
  if (rejected) throw rejected.reason;
  return out;
}

/** Like Promise.all, but waits for every promise before throwing the first error. */
export async function allSettledOrThrow<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (rejected) throw rejected.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
