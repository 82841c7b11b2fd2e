/**
 * The compared field values of a stage's records, by input position. Dedup
 * needs every text twice at most (to sign it, and to verify the few LSH
 * candidates it is in), never all at once: the plugin spills them to a
 * scratch file as it reads its input, so memory holds two numbers per record
 * instead of its texts. Tests and the benchmark hold them in memory.
 */
import { Column } from "../stream/column.js";
import { SpillFile } from "../stream/spill.js";
import type { FieldValue } from "./fields.js";

export interface FieldValues {
  readonly length: number;
  at(index: number): FieldValue[];
}

export function heldValues(values: readonly FieldValue[][]): FieldValues {
  return { length: values.length, at: (i) => values[i]! };
}

/** `values` seen through an index map: position k is `values.at(positions[k])`. */
export function reindexed(values: FieldValues, positions: ArrayLike<number>): FieldValues {
  return { length: positions.length, at: (k) => values.at(positions[k]!) };
}

/** The values of `first`…`end - 1`, for a batch. */
export function valuesBetween(values: FieldValues, first: number, end: number): FieldValue[][] {
  const out: FieldValue[][] = [];
  for (let i = first; i < Math.min(end, values.length); i++) out.push(values.at(i));
  return out;
}

/** Appended in input order, read back by position; `close` removes the file. */
export class SpilledValues implements FieldValues {
  private readonly file = new SpillFile("dpo-dedup");
  private readonly offsets = new Column((n) => new Float64Array(n));
  private readonly lengths = new Column((n) => new Uint32Array(n));
  length = 0;

  add(values: FieldValue[]): void {
    const ref = this.file.append(JSON.stringify(values));
    this.offsets.set(this.length, ref.offset);
    this.lengths.set(this.length, ref.length);
    this.length++;
  }

  at(index: number): FieldValue[] {
    return JSON.parse(this.file.read({ offset: this.offsets.get(index), length: this.lengths.get(index) })) as FieldValue[];
  }

  close(): void {
    this.file.close();
  }
}
