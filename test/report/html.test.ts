import { describe, expect, it } from "vitest";
import type { Rec } from "../../src/engine/plugin.js";
import { sha256 } from "../../src/engine/hash.js";
import plugin from "../../src/plugins/report/html.js";
import { runPlugin } from "../support/run-plugin.js";
import { AGREED, MEMBERSHIPS, P1, P2, P3, pair, PROMPTS, UNIQUE_PROMPTS } from "./fixtures.js";

const INPUTS = { prompts: PROMPTS, "unique-prompts": UNIQUE_PROMPTS, pairs: [P1, P2, P3], agreement: AGREED, export: MEMBERSHIPS };

async function report(withBlock: Record<string, unknown> = {}, inputs: Record<string, Rec[]> = INPUTS) {
  const run = await runPlugin(plugin, { with: withBlock, inputs, jobs: 1 });
  const [path, bytes] = [...run.published][0]!;
  return { ...run, path, html: Buffer.from(bytes).toString("utf8") };
}

describe("report/html", () => {
  it("publishes reports/index.html and one record describing it", async () => {
    const r = await report();
    expect(r.path).toBe("reports/index.html");
    expect(r.records).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        path: "reports/index.html",
        bytes: Buffer.byteLength(r.html),
        sha256: sha256(r.html),
        pairs: { total: 3, shown: 3, disputed: 1, criterionDisputed: 1 },
        iterations: ["iter-0001"],
        clusters: 1,
      },
    ]);
    for (const id of ["overview", "iterations", "scores", "agreement", "pairs", "duplicates"]) expect(r.html).toContain(`<section id="${id}">`);
  });

  it("is the same bytes for the same inputs: no clock, no randomness", async () => {
    expect((await report()).html).toBe((await report()).html);
  });

  it("loads nothing from elsewhere: no external URL, and a policy that forbids it", async () => {
    const { html } = await report();
    expect(html).toContain(`content="default-src 'none';`);
    const urls = [...html.matchAll(/\b(?:src|href)\s*=|url\(|@import|https?:\/\/[^"\s<]*/g)].map((m) => m[0]);
    expect(urls.filter((u) => u !== "http://www.w3.org/2000/svg")).toEqual([]);
  });

  it("escapes what records carry, so a prompt cannot inject markup", async () => {
    const evil = pair("p9", { promptId: "q9", dataset: "<img onerror=x>", margin: 1, votes: ["chosen", "chosen"], clarity: [5, 3], prompt: "</pre><script>alert(1)</script>" });
    const { html } = await report({}, { pairs: [evil] });
    expect(html).toContain("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html.match(/<script>/g)).toHaveLength(1); // the page's own filter
    expect(html).not.toContain("<img");
  });

  it("marks each row with its dispute kind for the page's filter, and lists counts in the filter", async () => {
    const { html } = await report();
    const rows = [...html.matchAll(/<tr data-dispute="(\w*)" data-dropped="(\d)">/g)].map((m) => `${m[1]}/${m[2]}`);
    expect(rows).toEqual(["/0", "criterion/0", "pair/1"]);
    expect(html).toContain(`<option value="disputed">disputed (1)</option>`);
  });

  it("publishes where `path` says, and cuts long texts to textChars", async () => {
    const long = pair("p8", { promptId: "q8", dataset: "d", margin: 1, votes: ["chosen", "chosen"], clarity: [5, 3], prompt: "x".repeat(500) });
    const r = await report({ path: "site/report.html", textChars: 50 }, { pairs: [long] });
    expect(r.path).toBe("site/report.html");
    expect(r.html).toContain(`${"x".repeat(50)}…`);
    expect(r.html).not.toContain("x".repeat(51));
  });

  it("says what is missing rather than failing when an input kind is absent", async () => {
    const { html } = await report({}, { pairs: [P1] });
    expect(html).toContain("No export stage among the inputs");
    expect(html).toContain("No input stage lists duplicates");
  });
});
