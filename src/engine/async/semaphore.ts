/**
 * At most `size` holders at a time; waiters are served first come, first
 * served. A waiter whose signal aborts leaves the queue without taking a slot.
 *
 * This runs for every LLM call, so waiting is cheap: the queue is a linked
 * list of waiter objects, and each signal gets a single abort subscription
 * (abort-fanout.ts) that drops all of its waiters, rather than one per waiter.
 */
import { subscribe } from "./abort-fanout.js";
import { IntrusiveList, type Linked } from "./intrusive-list.js";

interface Waiter extends Linked<Waiter> {
  resolve(release: () => void): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
}

export class Semaphore {
  private held = 0;
  private readonly queue = new IntrusiveList<Waiter>();
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
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject, signal }));
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // Hand the slot straight to the next waiter, so `held` never dips and a newcomer cannot jump the queue.
      const next = this.queue.first;
      if (!next) {
        this.held--;
        return;
      }
      this.queue.remove(next);
      next.resolve(this.releaser());
    };
  }

  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    subscribe(signal, { aborted: () => this.dropWaitersOf(signal) });
  }

  private dropWaitersOf(signal: AbortSignal): void {
    for (const w of this.queue) {
      if (w.signal !== signal) continue;
      this.queue.remove(w);
      w.reject(signal.reason);
    }
  }
}
