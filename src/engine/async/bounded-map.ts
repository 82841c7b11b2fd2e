/**
 * Maps a stream with at most `limit` items in progress, results in input
 * order: `limit` workers each pull the next item once their last one is done,
 * so a long stream is never read ahead. On the first failure (of `fn`, of the
 * stream, or the signal aborting) no new item starts, the ones already
 * running are allowed to finish (so their work is kept, e.g. memoised), the
 * stream is closed, and that first error is thrown.
 */
export async function mapBounded<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  signal: AbortSignal | undefined,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const source = iteratorOf(items);
  const results: R[] = [];
  let pulled = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    try {
      while (!failure) {
        signal?.throwIfAborted();
        const next = await source.next();
        if (next.done || failure) return;
        const index = pulled++;
        results[index] = await fn(next.value, index);
      }
    } catch (error) {
      failure ??= { error };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failure) {
    await closeQuietly(source);
    throw failure.error;
  }
  return results;
}

function iteratorOf<T>(items: Iterable<T> | AsyncIterable<T>): Iterator<T> | AsyncIterator<T> {
  return Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
}

/** Lets the stream release what it holds (open files); the first failure is what gets reported. */
async function closeQuietly<T>(source: Iterator<T> | AsyncIterator<T>): Promise<void> {
  try {
    await source.return?.();
  } catch {
    // the error being thrown already says what went wrong
  }
}
