/**
 * Union-find over verified pairs. Items are numbered in keep order (smallest
 * record id first), and a union always keeps the smaller root, so every
 * cluster's root is its smallest member: the record that is kept, whatever
 * the input order or the number of workers.
 */
export class Clusters {
  private readonly parent: Int32Array;

  constructor(size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
  }

  root(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r]!;
    // Path compression: point everything on the way straight at the root.
    while (this.parent[i] !== r) {
      const next = this.parent[i]!;
      this.parent[i] = r;
      i = next;
    }
    return r;
  }

  union(i: number, j: number): void {
    const a = this.root(i);
    const b = this.root(j);
    if (a < b) this.parent[b] = a;
    else if (b < a) this.parent[a] = b;
  }
}
