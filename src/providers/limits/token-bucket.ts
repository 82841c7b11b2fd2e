/**
 * A per-minute budget (requests or tokens) as a token bucket: it refills
 * continuously at `perMinute / 60 s` and holds at most one second's worth, so
 * the long-run rate equals the limit and bursts stay small. A cost larger than
 * the bucket waits for a full bucket and then drives it negative, so big
 * requests are slowed down instead of blocked forever. Waiters go in order.
 */
import { onAbort } from "../../engine/async/abort-fanout.js";

export class TokenBucket {
  private readonly perMs: number;
  private readonly capacity: number;
  private level: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  /** Cuts short the current waiter's sleep, so a refund is used at once. */
  private wake?: () => void;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perMinute > 0)) throw new RangeError(`per-minute limit must be positive, got ${perMinute}`);
    this.perMs = perMinute / 60_000;
    this.capacity = Math.max(1, perMinute / 60);
    this.level = this.capacity;
    this.last = this.now();
  }

  /** Waits until `cost` may be spent, then spends it. */
  take(cost: number, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitAndSpend(cost, signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Corrects an earlier estimate: `delta` > 0 spends more, < 0 gives back. */
  adjust(delta: number): void {
    this.refill();
    this.level = Math.min(this.capacity, this.level - delta);
    if (delta < 0) this.wake?.();
  }

  private async waitAndSpend(cost: number, signal?: AbortSignal): Promise<void> {
    const needed = Math.min(cost, this.capacity);
    for (;;) {
      this.refill();
      if (this.level >= needed) {
        this.level -= cost;
        return;
      }
      await this.pause(Math.ceil((needed - this.level) / this.perMs), signal);
    }
  }

  /** Sleeps `ms`, or less when a refund wakes us early. */
  private pause(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const settle = (fn: () => void) => () => {
        clearTimeout(timer);
        unsubscribe();
        this.wake = undefined;
        fn();
      };
      const timer = setTimeout(settle(resolve), ms);
      this.wake = settle(resolve);
      const unsubscribe = signal ? onAbort(signal, settle(() => reject(signal.reason))) : () => {};
    });
  }

  private refill(): void {
    const t = this.now();
    this.level = Math.min(this.capacity, this.level + (t - this.last) * this.perMs);
    this.last = t;
  }
}
