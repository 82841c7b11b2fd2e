/**
 * The recorded outputs that match a wanted prompt, indexed by join key in
 * flat columns: a million prompts × four outputs took ~400 MB as one object
 * per output; here an output is 20 bytes (where its text was spilled, its
 * generator, the output before it for the same key) and a key one map entry.
 */
import { Column } from "../stream/column.js";
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
  private readonly offsets = new Column((n) => new Float64Array(n));
  private readonly lengths = new Column((n) => new Uint32Array(n));
  private readonly generatorOf = new Column((n) => new Uint32Array(n));
  private readonly previous = new Column((n) => new Int32Array(n));
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
    const i = this.count++;
    this.offsets.set(i, text.offset);
    this.lengths.set(i, text.length);
    this.generatorOf.set(i, generator);
    this.previous.set(i, this.latest.get(key) ?? NONE);
    this.latest.set(key, i);
  }

  /** The outputs of a key, in the order they were added. */
  outputsOf(key: string): StoredOutput[] {
    const out: StoredOutput[] = [];
    for (let i = this.latest.get(key) ?? NONE; i !== NONE; i = this.previous.get(i)) {
      out.push({ generator: this.generators[this.generatorOf.get(i)]!, text: { offset: this.offsets.get(i), length: this.lengths.get(i) } });
    }
    return out.reverse();
  }
}
