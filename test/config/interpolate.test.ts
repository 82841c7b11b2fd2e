import { describe, expect, test } from "vitest";
import { interpolateSource, interpolateString } from "../../src/engine/config/interpolate.js";
import { parseYaml } from "../../src/engine/config/yaml-source.js";

const env = { A: "alpha", EMPTY: "", N: "42" };
const expand = (s: string) => {
  const r = interpolateString(s, env);
  return r.ok ? r.value : r.error.map((e) => e.message);
};

describe("interpolateString", () => {
  test("plain variables and text around them", () => {
    expect(expand("${A}")).toBe("alpha");
    expect(expand("x-${A}-${N}.jsonl")).toBe("x-alpha-42.jsonl");
    expect(expand("no vars $A $ {A}")).toBe("no vars $A $ {A}");
    expect(expand("${EMPTY}")).toBe("");
  });

  test(":- uses the default when unset or empty (bash)", () => {
    expect(expand("${A:-d}")).toBe("alpha");
    expect(expand("${NOPE:-d}")).toBe("d");
    expect(expand("${EMPTY:-d}")).toBe("d");
    expect(expand("${NOPE:-}")).toBe("");
    expect(expand("${NOPE:-a b/c.txt}")).toBe("a b/c.txt");
  });

  test(":+ uses the alternate only when set and non-empty (bash)", () => {
    expect(expand("${A:+on}")).toBe("on");
    expect(expand("${NOPE:+on}")).toBe("");
    expect(expand("${EMPTY:+on}")).toBe("");
  });

  test(":? and ? fail with the given message when unset (or empty, with :?), as in Docker Compose", () => {
    expect(expand("${A:?set A}")).toBe("alpha");
    expect(expand("${NOPE:?point DPO at your endpoint}")).toEqual(["environment variable NOPE is not set or empty: point DPO at your endpoint"]);
    expect(expand("${EMPTY:?needed}")).toEqual(["environment variable EMPTY is not set or empty: needed"]);
    expect(expand("${EMPTY?needed}")).toBe("");
    expect(expand("${NOPE?needed}")).toEqual(["environment variable NOPE is not set: needed"]);
    expect(expand("${NOPE:?}")).toEqual(["environment variable NOPE is not set or empty"]);
  });

  test("nested words are evaluated only when used", () => {
    expect(expand("${NOPE:-${A}}")).toBe("alpha");
    expect(expand("${NOPE:-${ALSO_NOPE:-deep}}")).toBe("deep");
    expect(expand("${A:-${MISSING}}")).toBe("alpha");
    expect(expand("${NOPE:-${MISSING}}")).toEqual(["environment variable MISSING is not set"]);
  });

  test("$${ escapes a literal ${", () => {
    expect(expand("$${A}")).toBe("${A}");
    expect(expand("a $${A} b ${A}")).toBe("a ${A} b alpha");
    // Read left to right: `$` then the escape `$${`.
    expect(expand("$$${N}")).toBe("$${N}");
  });

  test("missing variables and malformed expressions are errors with hints", () => {
    const r = interpolateString("${DPO_X}/${DPO_Y}", {});
    expect(r).toEqual({
      ok: false,
      error: [
        { message: "environment variable DPO_X is not set", hint: "set DPO_X, or give a default: ${DPO_X:-default}" },
        { message: "environment variable DPO_Y is not set", hint: "set DPO_Y, or give a default: ${DPO_Y:-default}" },
      ],
    });
    expect(expand("${A")).toEqual(['malformed interpolation in "${A" at character 1: expected `}`, `:-`, `:+`, `:?` or `?` after `${A`']);
    expect(expand("x ${A:-oops")).toEqual(['malformed interpolation in "x ${A:-oops" at character 3: unclosed `${`']);
    expect(expand("${1A}")).toEqual(['malformed interpolation in "${1A}" at character 1: expected a variable name after `${`']);
  });
});

describe("interpolateSource", () => {
  const src = (text: string) => {
    const r = parseYaml(text, "c.yaml");
    if (!r.ok) throw new Error("bad yaml");
    return r.value;
  };

  test("plain scalars are re-read as YAML, quoted ones stay strings; the document is not mutated", () => {
    const s = src('n: ${N}\nq: "${N}"\nb: ${B:-true}\nt: ${A} ${N}\nlist:\n  - ${A}\n  - x\nkeep: 7\n');
    const r = interpolateSource(s, env);
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual({ n: 42, q: "42", b: true, t: "alpha 42", list: ["alpha", "x"], keep: 7 });
    expect((s.value as Record<string, unknown>).n).toBe("${N}");
  });

  test("errors are located at the original scalar", () => {
    const r = interpolateSource(src("a:\n  b: [ok, '${NOPE}']\n"), {});
    expect(r.errors).toEqual([
      {
        severity: "error",
        message: "environment variable NOPE is not set",
        location: { file: "c.yaml", line: 2, column: 11, length: 9 },
        path: "a.b[1]",
        hint: "set NOPE, or give a default: ${NOPE:-default}",
      },
    ]);
    expect(r.value).toEqual({ a: { b: ["ok", "${NOPE}"] } });
  });
});
