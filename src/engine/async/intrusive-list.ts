/**
 * A doubly linked list whose nodes carry their own links (`prev`, `next`), so
 * adding and removing allocate nothing. Used on paths taken once per LLM call:
 * the semaphore's queue of waiters and each signal's abort subscribers. A
 * node belongs to at most one list at a time.
 */
export interface Linked<T> {
  prev?: T;
  next?: T;
}

export class IntrusiveList<T extends Linked<T>> {
  private head?: T;
  private tail?: T;

  get first(): T | undefined {
    return this.head;
  }

  /** Appends `node` at the end. */
  push(node: T): void {
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
  }

  /** Takes `node` out; false when it was not in the list (so removing twice is harmless). */
  remove(node: T): boolean {
    if (node.prev ? node.prev.next !== node : this.head !== node) return false;
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = undefined;
    return true;
  }

  /** Front to back; the node just yielded may be removed while iterating. */
  *[Symbol.iterator](): Iterator<T> {
    for (let node = this.head; node; ) {
      const next = node.next;
      yield node;
      node = next;
    }
  }
}
