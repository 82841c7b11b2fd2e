import { describe, expect, it } from "vitest";
import { IntrusiveList } from "../../src/engine/async/intrusive-list.js";

describe("IntrusiveList", () => {
  type Node = { name: string; prev?: Node; next?: Node };
  const names = (list: IntrusiveList<Node>) => [...list].map((n) => n.name);

  it("keeps insertion order, removes from anywhere once, and tolerates removing the node being visited", () => {
    const list = new IntrusiveList<Node>();
    const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => ({ name }) as Node);
    for (const n of [a!, b!, c!, d!]) list.push(n);
    expect(names(list)).toEqual(["a", "b", "c", "d"]);
    expect(list.remove(c!)).toBe(true);
    expect(list.remove(c!)).toBe(false);
    expect(names(list)).toEqual(["a", "b", "d"]);
    for (const n of list) if (n !== b) list.remove(n);
    expect(names(list)).toEqual(["b"]);
    expect(list.first).toBe(b);
    list.remove(b!);
    expect(list.first).toBeUndefined();
    list.push(a!);
    expect(names(list)).toEqual(["a"]);
  });
});
