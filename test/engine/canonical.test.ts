import stableStringify from "json-stable-stringify";
import { describe, expect, it } from "vitest";
import { canonicalJson, contentId, digestOf, Encoded } from "../../src/engine/hash.js";
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
