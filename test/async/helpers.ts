/** Lets every promise callback already due run, `n` microtask turns deep. */
export async function ticks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** A promise with its resolve and reject at hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Counts how many tasks run at once, and the most that ever did. */
export class Occupancy {
  now = 0;
  peak = 0;
  enter(): void {
    this.peak = Math.max(this.peak, ++this.now);
  }
  leave(): void {
    this.now--;
  }
}
