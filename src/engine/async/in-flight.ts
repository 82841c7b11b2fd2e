/**
 * Work running per key, so identical requests made while it runs share it:
 * run once per key while running, then forget (what is done is for a cache
 * to keep, not for this). Used once per LLM call (the memo, the provider), so
 * it adds one settle callback per piece of work and nothing per lookup.
 */
export class InFlight<K, V> {
  private readonly running = new Map<K, Promise<V>>();

  /** The work running for `key`, if any. */
  get(key: K): Promise<V> | undefined {
    return this.running.get(key);
  }

  /**
   * Records `work` as running for `key` until it settles, and returns the
   * promise to hand out: it settles like `work`, once the entry is gone.
   * The caller has checked `get(key)` first.
   */
  track(key: K, work: Promise<V>): Promise<V> {
    // then(), not finally(): finally chains two more promises and a closure onto every settle.
    const tracked: Promise<V> = work.then(
      (value) => {
        this.forget(key, tracked);
        return value;
      },
      (error: unknown) => {
        this.forget(key, tracked);
        throw error;
      },
    );
    this.running.set(key, tracked);
    return tracked;
  }

  private forget(key: K, tracked: Promise<V>): void {
    if (this.running.get(key) === tracked) this.running.delete(key);
  }

  /** Joins the work running for `key`, or starts it with `start`. */
  run(key: K, start: () => Promise<V>): Promise<V> {
    return this.get(key) ?? this.track(key, start());
  }

  /** How many keys have work running. */
  get size(): number {
    return this.running.size;
  }
}
