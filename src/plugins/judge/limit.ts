/**
 * Runs at most `n` tasks at a time; the rest wait in arrival order. Once a
 * task fails, waiting and later tasks fail with the same error instead of
 * starting: a stage that has failed stops sending calls.
 */
export function concurrencyLimit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  let failure: { error: unknown } | undefined;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      if (failure) throw failure.error;
      return await fn();
    } catch (error) {
      failure ??= { error };
      throw error;
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
