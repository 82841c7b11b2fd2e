/**
 * Streams `fn` over a stream with at most `window` items in progress,
 * yielding results in input order: the stream is read only as far ahead as
 * the window, so memory is set by the window, not by the stream's length.
 * On a failure (of `fn`, the stream or the signal) the items already running
 * are let finish (their work is kept, e.g. memoised), the stream is closed
 * and the first error is thrown; a consumer that stops early closes it too.
 */
export async function* mapOrdered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  window: number,
  signal: AbortSignal | undefined,
  fn: (item: T, index: number) => Promise<R> | R,
): AsyncGenerator<R> {
  const source = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const running: Promise<R>[] = [];
  let index = 0;
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && running.length < Math.max(1, window)) {
        signal?.throwIfAborted();
        const next = await source.next();
        if (next.done) exhausted = true;
        else running.push(start(fn, next.value, index++));
      }
      const first = running.shift();
      if (!first) return;
      yield await first;
    }
  } finally {
    await Promise.allSettled(running);
    if (!exhausted) await source.return?.();
  }
}

function start<T, R>(fn: (item: T, index: number) => Promise<R> | R, item: T, index: number): Promise<R> {
  // Not an async wrapper: one promise fewer per item when `fn` returns one (a throw becomes a rejection all the same).
  let p: Promise<R>;
  try {
    p = Promise.resolve(fn(item, index));
  } catch (error) {
    p = Promise.reject(error);
  }
  // Observed here so an item failing while an earlier one is awaited is not an unhandled rejection.
  p.catch(ignore);
  return p;
}

const ignore = (): void => {};
