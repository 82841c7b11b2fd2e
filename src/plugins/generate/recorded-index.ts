/**
 * The recorded outputs that match a wanted prompt, indexed by join key in
 * flat columns: a million prompts × four outputs took ~400 MB as one object
 * per output; here an output is 20 bytes (where its text was spilled, its
 * generator, the output before it for the same key) and a key one map entry.
 */
import type { SpillRef } from "../stream/spill.js";

/** A matched output as indexed: its generator and where its text was spilled. */
export interface StoredOutput {
  generator: string;
  text: SpillRef;
}

const NONE = -1;

export class RecordedIndex {
  /** Join key → its latest output (NONE before the first): the wanted keys. */
  private readonly latest = new Map<string, number>();
  /** Every generator seen (matched or not), in order of first appearance. */
  readonly generators: string[] = [];
  private readonly generatorIndex = new Map<string, number>();
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private generatorOf = new Uint32Array(1024);
  private previous = new Int32Array(1024);
  private count = 0;

  want(key: string): void {
    if (!this.latest.has(key)) this.latest.set(key, NONE);
  }

  wants(key: string): boolean {
    return this.latest.has(key);
  }

  /** Notes a generator (in order of first appearance) and returns its index. */
  generator(name: string): number {
    let i = this.generatorIndex.get(name);
    if (i === undefined) {
      i = this.generators.push(name) - 1;
      this.generatorIndex.set(name, i);
    }
    return i;
  }

  /** An output for a wanted key; outputs of one key keep the order they are added in. */
  add(key: string, generator: number, text: SpillRef): void {
    if (this.count === this.offsets.length) this.grow();
    const i = this.count++;
    this.offsets[i] = text.offset;
    this.lengths[i] = text.length;
    this.generatorOf[i] = generator;
    this.previous[i] = this.latest.get(key) ?? NONE;
    this.latest.set(key, i);
  }

  /** The outputs of a key, in the order they were added. */
  outputsOf(key: string): StoredOutput[] {
    const out: StoredOutput[] = [];
    for (let i = this.latest.get(key) ?? NONE; i !== NONE; i = this.previous[i]!) {
      out.push({ generator: this.generators[this.generatorOf[i]!]!, text: { offset: this.offsets[i]!, length: this.lengths[i]! } });
    }
    return out.reverse();
  }

  private grow(): void {
    const size = this.offsets.length * 2;
    this.offsets = grown(this.offsets, new Float64Array(size));
    this.lengths = grown(this.lengths, new Uint32Array(size));
    this.generatorOf = grown(this.generatorOf, new Uint32Array(size));
    this.previous = grown(this.previous, new Int32Array(size));
  }
}

function grown<T extends Float64Array | Uint32Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
