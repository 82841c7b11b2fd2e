/**
 * What dedup keeps of each record between its passes, by input position, in
 * flat columns: its keep-order rank as two 48-bit numbers (the first 96 bits
 * of the sha256 rank) and its id in memory; what its `duplicates` entry would
 * carry (its `source`, its own `duplicates`) spilled, read back only for the
 * few records that are removed or stand for others. An object per record with
 * a 64-character rank string and a parsed `source` took ~300 bytes; this takes
 * ~60 (a million prompts: the largest part of the stage's live heap, and V8
 * lets the heap grow to a multiple of what is live).
 *
 * Two different prompts whose ranks share 96 bits (odds of 1 in 10^17 at a
 * million prompts) would be ordered by id instead of by rank.
 */
import type { Rec } from "../../engine/plugin.js";
import { rankHalves } from "../../engine/sample/order.js";
import { Column } from "../stream/column.js";
import { SpillFile } from "../stream/spill.js";
import type { RankOf } from "./keep-order.js";

/** A duplicate as a kept record lists it. */
export interface Duplicate {
  id: string;
  similarity: number;
  source?: unknown;
}

/** What a removed record passes on to the record it is removed under. */
export interface Extras {
  source?: unknown;
  duplicates?: Duplicate[];
}

const HEX_RANK = /^[0-9a-f]{24}/;

export class EntryTable {
  private readonly high = new Column((n) => new Float64Array(n));
  private readonly low = new Column((n) => new Float64Array(n));
  private readonly ids: string[] = [];
  private readonly extrasAt = new Column((n) => new Float64Array(n), -1);
  private readonly extrasLength = new Column((n) => new Uint32Array(n));
  private readonly spill = new SpillFile("dpo-dedup-entries");

  constructor(private readonly rankOf: RankOf) {}

  get length(): number {
    return this.ids.length;
  }

  add(rec: Rec): void {
    const i = this.ids.length;
    const rank = this.rankOf(rec);
    if (!HEX_RANK.test(rank)) throw new Error(`dedup: a keep-order rank must be a hex digest, got "${rank.slice(0, 40)}"`);
    const [high, low] = rankHalves(rank);
    this.high.set(i, high);
    this.low.set(i, low);
    this.ids.push(String(rec.id));
    const extras: Extras = {};
    if (rec.source !== undefined) extras.source = rec.source;
    if (Array.isArray(rec.duplicates)) extras.duplicates = rec.duplicates as Duplicate[];
    if (extras.source !== undefined || extras.duplicates) {
      const ref = this.spill.append(JSON.stringify(extras));
      this.extrasAt.set(i, ref.offset);
      this.extrasLength.set(i, ref.length);
    }
  }

  id(i: number): string {
    return this.ids[i]!;
  }

  extras(i: number): Extras {
    const offset = this.extrasAt.get(i);
    return offset < 0 ? {} : (JSON.parse(this.spill.read({ offset, length: this.extrasLength.get(i) })) as Extras);
  }

  /** Keep order of two entries: by rank, then id (0 when both are equal). */
  compare(a: number, b: number): number {
    return this.high.get(a) - this.high.get(b) || this.low.get(a) - this.low.get(b) || compare(this.ids[a]!, this.ids[b]!);
  }

  close(): void {
    this.spill.close();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
