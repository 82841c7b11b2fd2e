/**
 * Maps a stream with at most `limit` items in progress, results in input
 * order. Items are pulled from the stream only when a slot is free, so a long
 * stream is never read far ahead. On the first failure (of `fn`, of the
 * stream, or the signal aborting) no new item starts, the ones already
 * running are allowed to finish (so their work is kept, e.g. memoised), the
 * stream is closed, and that first error is thrown.
 */
import { Semaphore } from "./semaphore.js";

export async function mapBounded<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  signal: AbortSignal | undefined,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const slots = new Semaphore(Math.max(1, limit));
  const results: R[] = [];
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const source = iteratorOf(items);
  try {
    for (let index = 0; ; index++) {
      const release = await slots.acquire(signal);
      const next = failure ? undefined : await source.next();
      if (!next || next.done) {
        release();
        break;
      }
      const settled = () => {
        running.delete(task);
        release();
      };
      const task: Promise<void> = fn(next.value, index).then(
        (result) => {
          results[index] = result;
          settled();
        },
        (error: unknown) => {
          failure ??= { error };
          settled();
        },
      );
      running.add(task);
    }
  } catch (error) {
    failure ??= { error };
  }
  await Promise.all(running);
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
