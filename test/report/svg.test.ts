import { describe, expect, it } from "vitest";
import { barChart, binValues, colorsFor, niceMax, stackedBars } from "../../src/plugins/report/svg.js";

const rects = (svg: string) => [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)].map((m) => m.slice(1).map(Number));

describe("binValues", () => {
  it("counts values in bins centred on multiples of the step, covering the given range", () => {
    const bins = binValues([1, 1.2, 4.3333, 5, 4.75], { min: 1, max: 5 });
    expect(bins.labels).toEqual(["1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"]);
    // 1.2 is nearer 1 than 1.5; 4.3333 falls in 4.5 (4.25…4.75); 4.75 rounds up to 5.
    expect(bins.counts).toEqual([2, 0, 0, 0, 0, 0, 0, 1, 2]);
  });

  it("spans negative margins and widens the step until the bins fit", () => {
    expect(binValues([-1, 0, 0.5, 2]).labels).toEqual(["-1", "-0.5", "0", "0.5", "1", "1.5", "2"]);
    const wide = binValues([0, 100], { step: 0.5, maxBins: 40 });
    expect(wide.labels.length).toBeLessThanOrEqual(40);
    expect(wide.counts.reduce((a, b) => a + b)).toBe(2);
  });

  it("gives no bins for no values, and ignores non-finite ones", () => {
    expect(binValues([])).toEqual({ labels: [], counts: [] });
    expect(binValues([NaN, 2]).counts).toEqual([1]);
  });

  it("does not overflow the stack on large inputs", () => {
    const many = Array.from({ length: 150_000 }, (_, i) => i % 5);
    expect(binValues(many, { step: 1 }).counts).toEqual([30_000, 30_000, 30_000, 30_000, 30_000]);
  });
});

describe("barChart", () => {
  const spec = {
    title: "scores <b>",
    categories: ["1", "2", "3"],
    series: [
      { name: "chosen", color: "#2a9d8f", values: [0, 5, 10] },
      { name: "rejected", color: "#e76f51", values: [10, 5, 0] },
    ],
    xLabel: "score",
  };

  it("draws one bar per category and series, heights proportional to the values", () => {
    const svg = barChart(spec);
    const bars = rects(svg).filter(([, , w]) => w! > 10); // the legend swatches are 10 wide
    expect(bars).toHaveLength(6);
    const heights = bars.map(([, , , h]) => h);
    expect(heights).toEqual([0, 168, 84, 84, 168, 0]); // max 10 → the full plot height (240 − 30 − 42)
    expect(svg).toContain("<title>chosen, 3: 10</title>");
  });

  it("escapes every label and is the same for the same data", () => {
    const svg = barChart({ ...spec, categories: ["<script>", "a&b", '"q"'] });
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;");
    expect(svg).toContain("a&amp;b");
    expect(svg).toContain("scores &lt;b&gt;");
    expect(barChart(spec)).toBe(barChart(structuredClone(spec)));
  });

  it("says so when there is nothing to draw", () => {
    const svg = barChart({ title: "empty", categories: [], series: [] });
    expect(svg).toMatch(/^<svg[^>]*class="chart"/);
    expect(svg).toContain("no data");
    expect(rects(svg)).toEqual([]);
  });
});

describe("stackedBars", () => {
  it("splits each row into its parts' shares of the plot width", () => {
    const svg = stackedBars({
      title: "mix",
      rows: [{ label: "iter-0100", parts: [{ name: "a", value: 1 }, { name: "b", value: 3 }] }],
      colors: colorsFor(["a", "b"]),
    });
    const [a, b] = rects(svg).filter(([, , , h]) => h === 20);
    expect(b![2]).toBeCloseTo(3 * a![2]!, 0);
    expect(a![2]! + b![2]!).toBeCloseTo(480 - 110 - 12, 0);
    expect(svg).toContain("iter-0100, b: 3 (75%)");
  });
});

describe("helpers", () => {
  it("rounds axis maxima up to 1, 2 or 5 × 10^k", () => {
    expect([0, 0.3, 7, 10, 11, 260, 690].map(niceMax)).toEqual([0, 0.5, 10, 10, 20, 500, 1000]);
  });

  it("gives a name the same colour whatever the order names come in", () => {
    expect(colorsFor(["b", "a"])).toEqual(colorsFor(["a", "b"]));
  });
});
