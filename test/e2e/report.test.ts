/**
 * The build report in a real browser: the example project, on its first 150
 * prompts, built offline in a temporary copy; its `out/reports/index.html`
 * opened from the file system in headless Chromium. The page must draw its
 * plots, log no error, request nothing but itself, and filter its pair table
 * to the disputed pairs. The screenshot goes to test-artifacts/ (and, with
 * DPO_UPDATE_SCREENSHOTS=1, to docs/img/report.png, which the README shows).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, launchBrowser, openPage, screenshotPath } from "../support/browser.js";
import { repoRoot, TempProject } from "../support/project.js";

const PROMPTS = 150;
const OUTPUTS = ["gpt4_1106_preview", "claude-2.1", "Meta-Llama-3-8B-Instruct", "alpaca-7b", "falcon-7b-instruct"];

/** The example project with its datasets cut to their first `n` lines. */
function exampleCopy(n: number): TempProject {
  const head = (rel: string) => readFileSync(join(repoRoot, rel), "utf8").split("\n").slice(0, n).join("\n") + "\n";
  const files: Record<string, string> = {
    "dpo.config.yaml": readFileSync(join(repoRoot, "dpo.config.yaml"), "utf8"),
    "datasets/alpaca_eval/prompts.jsonl": head("datasets/alpaca_eval/prompts.jsonl"),
  };
  // Every other file the example config names, whole (rubrics, fitted weights, gold preferences, the probe's script).
  const probe = ["scripts/reward-probe.mjs", ...readdirSync(join(repoRoot, "scripts/reward-probe")).map((f) => `scripts/reward-probe/${f}`)];
  const gold = ["alpaca-7b.weighted_alpaca_eval_gpt4_turbo.jsonl", "alpaca-7b.alpaca_eval_gpt4.jsonl"].map((f) => `datasets/alpaca_eval/judges/${f}`);
  for (const rel of ["rubrics/helpfulness.yaml", "rubrics/offline-weights.json", ...gold, ...probe]) {
    files[rel] = readFileSync(join(repoRoot, rel), "utf8");
  }
  for (const m of OUTPUTS) files[`datasets/alpaca_eval/outputs/${m}.jsonl`] = head(`datasets/alpaca_eval/outputs/${m}.jsonl`);
  return new TempProject(files);
}

describe("dpo report", () => {
  let project: TempProject;
  beforeAll(async () => {
    project = exampleCopy(PROMPTS);
  });
  afterAll(() => project?.remove());

  it("says the report is not built before a build, then prints its path (--open without a display: only the path)", async () => {
    const before = await project.run(["report"]);
    expect(before.code).toBe(2);
    expect(before.stderr).toContain('the report stage "report" is not built yet');
    const built = await project.run(["build", "--offline"]);
    expect(built.code, built.stderr).toBe(0);
    const after = await project.run(["report", "--open"], { DISPLAY: "", WAYLAND_DISPLAY: "" });
    expect(after.code).toBe(0);
    expect(after.stdout).toBe(`${project.path("out/reports/index.html")}\n`);
    expect(after.stderr).toContain("no display");
  });

  it("fails clearly in a project without a report stage", async () => {
    const bare = new TempProject({
      "dpo.config.yaml": "version: 1\nproject: bare\nstages:\n  prompts:\n    uses: source/jsonl\n    with: { path: p.jsonl, prompt: text }\n",
      "p.jsonl": '{"text":"hi"}\n',
    });
    try {
      const r = await bare.run(["report"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("this project has no report stage");
      expect(r.stderr).toContain("uses: report/html");
    } finally {
      bare.remove();
    }
  });

  describe.skipIf(!browserAvailable)("the page, in Chromium", () => {
    let browser: Browser;
    let page: Page;
    let errors: string[];
    const requests: string[] = [];
    beforeAll(async () => {
      if (!existsSync(project.path("out/reports/index.html"))) expect((await project.run(["build", "--offline"])).code).toBe(0);
      browser = await launchBrowser();
      ({ page, errors } = await openPage(browser));
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:")) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(project.path("out/reports/index.html")).href);
    });
    afterAll(async () => browser?.close());

    it("draws every plot, logs no error and requests nothing", async () => {
      const charts = await page.locator("svg.chart").evaluateAll((svgs) =>
        svgs.map((svg) => {
          const box = (svg as SVGSVGElement).getBoundingClientRect();
          const bars = [...svg.querySelectorAll("rect")].filter((r) => Number(r.getAttribute("height")) > 0 && Number(r.getAttribute("width")) > 0);
          return { label: svg.getAttribute("aria-label"), width: box.width, height: box.height, bars: bars.length, noData: svg.textContent?.includes("no data") ?? false };
        }),
      );
      // inputs, source mix, 2 overall + 2 per criterion of the rubric's 5, disputes per criterion
      expect(charts.length).toBe(1 + 1 + 2 + 2 * 5 + 1);
      for (const c of charts) {
        expect(c.width, c.label!).toBeGreaterThan(100);
        expect(c.height, c.label!).toBeGreaterThan(50);
        // A chart draws bars, or says it has no data (a criterion no configured judge scores).
        expect(c.bars > 0 || c.noData, c.label!).toBe(true);
      }
      // The example's offline judges leave clarity and relevance unscored; every other chart has bars.
      expect(charts.filter((c) => c.bars > 0).length).toBeGreaterThanOrEqual(charts.length - 4);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    });

    it("filters the pair table to the disputed pairs", async () => {
      const report = JSON.parse((await project.run(["show", "report", "--json"])).stdout) as { pairs: { shown: number; disputed: number; criterionDisputed: number } };
      const visible = () => page.locator("#pair-table tbody tr:visible").count();
      const shown = async () => Number(await page.locator("#pair-count").textContent());
      expect(await visible()).toBe(report.pairs.shown);
      expect(report.pairs.disputed + report.pairs.criterionDisputed).toBeGreaterThan(0);
      await page.selectOption("#pair-filter", "disputed");
      expect(await visible()).toBe(report.pairs.disputed);
      expect(await shown()).toBe(report.pairs.disputed);
      await page.selectOption("#pair-filter", "any");
      expect(await visible()).toBe(report.pairs.disputed + report.pairs.criterionDisputed);
      expect(await visible()).toBeLessThan(report.pairs.shown);
      await page.locator("#pair-table").scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath("report-disputed-pairs.png") });
      await page.selectOption("#pair-filter", "all");
      expect(await visible()).toBe(report.pairs.shown);
      expect(errors).toEqual([]);
    });

    it("takes the screenshot the README shows", async () => {
      const shot = screenshotPath("report.png");
      await page.locator("#scores").screenshot({ path: shot });
      if (process.env.DPO_UPDATE_SCREENSHOTS === "1") {
        mkdirSync(join(repoRoot, "docs", "img"), { recursive: true });
        copyFileSync(shot, join(repoRoot, "docs", "img", "report.png"));
      }
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe("PNG");
    });
  });
});
