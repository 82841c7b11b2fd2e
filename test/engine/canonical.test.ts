import stableStringify from "json-stable-stringify";
import { describe, expect, it } from "vitest";
import { canonicalJson, contentId, digestOf, Encoded, MAX_CANONICAL_DEPTH } from "../../src/engine/hash.js";
import { seededRng } from "../../src/engine/rng.js";

/** Random JSON-ish values, including the awkward corners (undefined, unicode keys, nesting). */
function randomValue(rng: ReturnType<typeof seededRng>, depth = 0): unknown {
  const pick = rng.int(depth > 3 ? 6 : 9);
  const keys = ["a", "B", "é", "ä", "10", "2", "", "z z", "\u{1F600}", "_"];
  switch (pick) {
    case 0: return null;
    case 1: return rng.next() < 0.5;
    case 2: return rng.int(1e6) - 5e5;
    case 3: return rng.next() * 1e3;
    case 4: return keys[rng.int(keys.length)]! + "\n\"\\";
    case 5: return undefined;
    case 6: return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--) o[keys[rng.int(keys.length)]!] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

describe("canonicalJson", () => {
  it("produces exactly json-stable-stringify's bytes on 5,000 random values", () => {
    const rng = seededRng("canonical");
    for (let i = 0; i < 5000; i++) {
      const v = { value: randomValue(rng) };
      expect(canonicalJson(v)).toBe(stableStringify(v));
    }
  });

  it("sorts keys at every depth and honours toJSON", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"x":2,"y":1}]},"b":1}');
    expect(canonicalJson({ t: new Date(0) })).toBe('{"t":"1970-01-01T00:00:00.000Z"}');
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it("encodes the corners the native fast path hands back exactly as json-stable-stringify", () => {
    class Point {
      constructor(readonly y: number, readonly x: number) {}
    }
    const corners: unknown[] = [
      { "10": 1, "9": 2, a: 3 }, // V8 enumerates "9" before "10"; canonical order is "10" first
      JSON.parse('{"a":{"b":1,"c":[1,{"d":2,"e":3}]}}'), // already sorted: the same object goes to JSON.stringify
      { z: [1, , 3], a: 1 }, // eslint-disable-line no-sparse-arrays -- a hole
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      { p: new Point(1, 2), q: [new Point(3, 4)] },
      { s: new String("ab"), n: new Number(3) }, // eslint-disable-line no-new-wrappers
      { f: () => 1, u: undefined, sym: Symbol("s"), list: [undefined, () => 1] },
      { deep: { b: { d: 1, c: 2 }, a: [{ z: 1, y: 2 }] } },
    ];
    for (const v of corners) expect(canonicalJson(v)).toBe(stableStringify(v));
  });

  it("fails clearly on nesting deeper than MAX_CANONICAL_DEPTH on either path", () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_CANONICAL_DEPTH + 5; i++) deep = { a: deep };
    expect(() => canonicalJson(deep)).toThrow(/nested deeper than 1000 levels/);
  });

  it("hashes an Encoded part exactly as the value it encodes", () => {
    const rng = seededRng("encoded");
    for (let i = 0; i < 500; i++) {
      const part = randomValue(rng);
      if (part === undefined) continue;
      expect(contentId("x", new Encoded(part), i)).toBe(contentId("x", part, i));
      expect(canonicalJson({ a: [new Encoded(part)] })).toBe(canonicalJson({ a: [part] }));
    }
  });

  it("gives the same digest and id whatever the key order", () => {
    expect(digestOf({ a: 1, b: [1, 2] })).toBe(digestOf({ b: [1, 2], a: 1 }));
    expect(contentId("prompt", "hello")).toMatch(/^[0-9a-f]{16}$/);
  });
});
