/**
 * Puts held for a few milliseconds, then issued together in one event turn.
 *
 * lmdb-js commits the writes of one event turn together (its
 * `eventTurnBatching`); its own `commitDelay` only applies with that turned
 * off, which in lmdb-js 3.5 leaves puts unresolved at a few thousand writes.
 * During LLM generation replies arrive a few per I/O turn, so 20,000 calls
 * made ~2,900 commits, and every commit costs the main thread a native call
 * that queues the write thread, and the machine a sync (bench/RESULTS.md,
 * "LLM throughput after this session's merges", "Per-call work"). Held here,
 * the puts of a few milliseconds share a commit.
 *
 * Each put still resolves only once its own write is committed and rejects
 * with its own failure; a put that throws at once rejects. `flush` issues
 * what is held right away: before a remove or a close, so nothing overtakes
 * a held put.
 */
import { systemClock, type Clock, type Timer } from "./async/clock.js";

interface Held {
  key: string;
  value: unknown;
  resolve(): void;
  reject(error: unknown): void;
}

export class HeldPuts {
  private held: Held[] = [];
  private timer: Timer | undefined;

  constructor(
    private readonly delayMs: number,
    private readonly write: (key: string, value: unknown) => Promise<unknown>,
    private readonly clock: Clock = systemClock,
  ) {}

  put(key: string, value: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.held.push({ key, value, resolve, reject });
      this.timer ??= this.clock.setTimeout(this.flush, this.delayMs);
    });
  }

  /** Issues every held put now, in the order they were made. */
  readonly flush = (): void => {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.held;
    this.held = [];
    for (const h of batch) {
      let written: Promise<unknown>;
      try {
        written = this.write(h.key, h.value);
      } catch (error) {
        h.reject(error);
        continue;
      }
      written.then(() => h.resolve(), h.reject);
    }
  };
}
