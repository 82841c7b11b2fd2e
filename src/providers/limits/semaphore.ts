/**
 * At most `size` holders at a time; waiters are served first come, first
 * served. A waiter whose signal aborts leaves the queue without taking a slot.
 *
 * This runs for every LLM call, so waiting is cheap: the queue is a linked
 * list of waiter objects, and each signal gets a single abort listener that
 * drops all of its waiters, rather than one subscription per waiter.
 */
interface Waiter {
  resolve(release: () => void): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  next?: Waiter;
  prev?: Waiter;
}

export class Semaphore {
  private held = 0;
  private head?: Waiter;
  private tail?: Waiter;
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`semaphore size must be at least 1, got ${size}`);
  }

  /** Resolves with a release function once a slot is free; calling it more than once is harmless. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.held < this.size) {
      this.held++;
      return Promise.resolve(this.releaser());
    }
    if (signal) this.watch(signal);
    return new Promise((resolve, reject) => this.enqueue({ resolve, reject, signal }));
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // Hand the slot straight to the next waiter, so `held` never dips and a newcomer cannot jump the queue.
      const next = this.head;
      if (!next) {
        this.held--;
        return;
      }
      this.unlink(next);
      next.resolve(this.releaser());
    };
  }

  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener("abort", () => this.dropWaitersOf(signal), { once: true });
  }

  private dropWaitersOf(signal: AbortSignal): void {
    for (let w = this.head; w; ) {
      const next = w.next;
      if (w.signal === signal) {
        this.unlink(w);
        w.reject(signal.reason);
      }
      w = next;
    }
  }

  private enqueue(w: Waiter): void {
    w.prev = this.tail;
    if (this.tail) this.tail.next = w;
    else this.head = w;
    this.tail = w;
  }

  private unlink(w: Waiter): void {
    if (w.prev) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = w.next = undefined;
  }
}
