import { createHash } from "node:crypto";

/** A small seeded PRNG (sfc32). Same labels, same stream, on every machine. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A new array with the items in seeded random order (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

export function seededRng(...labels: unknown[]): Rng {
  const bytes = createHash("sha256").update(JSON.stringify(labels)).digest();
  let a = bytes.readUInt32LE(0), b = bytes.readUInt32LE(4), c = bytes.readUInt32LE(8), d = bytes.readUInt32LE(12);
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    shuffle(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
