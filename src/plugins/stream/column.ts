/**
 * A typed array that grows as it is written: per-record numbers for stages
 * that keep a compact summary of every record (a million records are a few
 * megabytes, not a million objects). Unwritten slots read `empty`.
 */
type Typed = Float64Array | Uint32Array | Int32Array;

export class Column<T extends Typed> {
  private data: T;

  constructor(
    private readonly make: (length: number) => T,
    private readonly empty = 0,
  ) {
    this.data = this.filled(1024);
  }

  get(i: number): number {
    return i < this.data.length ? this.data[i]! : this.empty;
  }

  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const grown = this.filled(Math.max(i + 1, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = v;
  }

  private filled(length: number): T {
    const data = this.make(length);
    if (this.empty !== 0) data.fill(this.empty);
    return data;
  }
}
