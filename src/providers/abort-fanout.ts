/**
 * Subscribes to a signal's abort in O(1). A build's signal is shared by
 * thousands of calls; Node's EventTarget scans its listener list on every
 * add and remove, so one listener per call costs O(n²) and warns about a leak.
 * Here each signal gets a single listener that fans out to a Set.
 */
const subscribers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts (at once if it already has); returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let set = subscribers.get(signal);
  if (!set) {
    const fresh = new Set<() => void>();
    set = fresh;
    subscribers.set(signal, fresh);
    signal.addEventListener("abort", () => {
      for (const f of [...fresh]) f();
      fresh.clear();
    }, { once: true });
  }
  set.add(fn);
  const own = set;
  return () => own.delete(fn);
}
