/**
 * `dpo annotate` in a real browser (Debian's Chromium through playwright-core):
 * the real CLI serves a small built project; the test scores a candidate and
 * a pair with the keyboard and with the mouse, reads the JSONL lines written,
 * and waits for `dpo build --watch` (running meanwhile) to show the new human
 * judge in the agreement report. Screenshots of both modes are left in
 * test-artifacts/ (docs/img/annotate-*.png are copies of them).
 */
import { createHash } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { browserAvailable, launchBrowser, openPage, screenshotPath } from "../support/browser.js";
import { TempProject, waitForLines } from "../support/project.js";
import { config, MODELS } from "../annotate/project.js";
import { until } from "../support/until.js";
import { alpacaData, LiveCli, miniRubric } from "./helpers.js";

const FILE = "annotations/ana.jsonl";
const project = new TempProject({ ...alpacaData(4, MODELS), "rubrics/mini.yaml": miniRubric, "dpo.config.yaml": config(), [FILE]: "" });
const lines = () => project.read(FILE).split("\n").filter(Boolean).map((l) => JSON.parse(l));
const live: LiveCli[] = [];

beforeAll(async () => {
  const built = await project.run(["build"]);
  expect(built.code, built.stderr).toBe(0);
});

afterAll(async () => {
  for (const cli of live) await cli.kill();
  project.remove();
});

/** `dpo annotate …` on a free port; resolves with its first output line (the URL). */
async function annotate(args: string[]): Promise<{ cli: LiveCli; url: string }> {
  const cli = new LiveCli(project.spawn(["annotate", "--port", "0", ...args]));
  live.push(cli);
  const { text, index } = await cli.line(/./);
  expect(index).toBe(0);
  expect(text).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  return { cli, url: text };
}

/** Until dpo.lock says the judge stage was built from the annotation file as it is now (so pairs are settled). */
async function builtFromCurrentFile(): Promise<void> {
  const want = createHash("sha256").update(project.read(FILE)).digest("hex");
  await until(() => {
    try {
      return JSON.parse(project.read("dpo.lock")).stages.judge.files[FILE] === want;
    } catch {
      return false;
    }
  }, 60_000, 50);
}

async function stop(cli: LiveCli): Promise<void> {
  expect(await cli.interrupt()).toBe(0);
}

describe("dpo annotate (CLI)", () => {
  test("refuses a port in use: a clear message, exit 2, no stack", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await project.run(["annotate", "--port", String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
    } finally {
      blocker.close();
    }
  });
});

describe.skipIf(!browserAvailable)("dpo annotate in the browser", () => {
  let browser: Browser;
  let watch: LiveCli;

  beforeAll(async () => {
    watch = new LiveCli(project.spawn(["build", "--watch"]));
    live.push(watch);
    await watch.line(/watching \d+ files/);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function ready(url: string): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(browser);
    await opened.page.goto(url);
    await opened.page.waitForSelector("#work:not([hidden])");
    return opened;
  }

  const choice = (page: Page, row: string, value: string) => page.click(`fieldset[data-row="${row}"] label:has(input[value="${value}"])`);

  test("pointwise: score with digits + Enter, then with clicks and a typed rationale", async () => {
    const { cli, url } = await annotate(["--annotator", "ana"]);
    const { page, errors } = await ready(url);
    const items = (await (await fetch(`${url}api/session`)).json()).items as { id: string }[];
    expect(await page.textContent("#progress-text")).toContain(`0 / ${items.length} answered`);

    // Keyboard: the highlighted row takes the digit and moves on; Enter saves.
    await page.keyboard.press("4");
    await page.keyboard.press("5");
    await page.keyboard.press("Enter");
    await waitForLines(project, FILE, 1);
    expect(lines()[0]).toMatchObject({ annotator: "ana", candidate: items[0]!.id, scores: { correctness: 4, clarity: 5 } });
    await page.waitForFunction((n) => document.getElementById("progress-text")!.textContent!.startsWith(`1 / ${n}`), items.length);

    // Mouse: click scores, type a rationale, click Save.
    await choice(page, "correctness", "2");
    await choice(page, "clarity", "3");
    await page.fill('textarea[name="rationale-correctness"]', "misstates the main fact");
    await page.screenshot({ path: screenshotPath("annotate-pointwise.png") });
    await page.click("#save");
    await waitForLines(project, FILE, 2);
    expect(lines()[1]).toMatchObject({ candidate: items[1]!.id, scores: { correctness: 2, clarity: 3 }, rationale: { correctness: "misstates the main fact" } });
    await page.waitForFunction((n) => document.getElementById("progress-text")!.textContent!.startsWith(`2 / ${n}`), items.length);

    // n/p move between items; an answered item shows as saved.
    await page.keyboard.press("p");
    expect(await page.textContent("#status")).toBe("already saved");
    expect(errors).toEqual([]);
    await page.close();
    await stop(cli);

    // Resumable: a new session starts at the first unanswered item.
    const again = await annotate(["--annotator", "ana"]);
    const reopened = await ready(again.url);
    expect(await reopened.page.textContent("#progress-text")).toContain(`2 / ${items.length} answered · item 3`);
    await reopened.page.close();
    await stop(again.cli);
  });

  test("pairwise: A/B/T + Enter, then clicks; a watching build shows the new human judge in the agreement report", async () => {
    // The pointwise answers may change which pairs are made: let the watching build settle first.
    await builtFromCurrentFile();
    const { cli, url } = await annotate(["--annotator", "ana", "--mode", "pairwise"]);
    const { page, errors } = await ready(url);
    const session = await (await fetch(`${url}api/session`)).json();
    expect(session.readByBuild).toBe(true);
    const pairs = session.items as { id: string }[];

    await page.keyboard.press("a"); // overall
    await page.keyboard.press("b"); // correctness
    await page.keyboard.press("t"); // clarity
    await page.keyboard.press("Enter");
    await waitForLines(project, FILE, 3);
    expect(lines()[2]).toMatchObject({ annotator: "ana", preference: "a", criteria: { correctness: "b", clarity: "tie" }, meta: { pair: pairs[0]!.id } });
    expect(["chosen", "rejected"]).toContain(lines()[2].meta.shownFirst);

    await choice(page, "overall", "b");
    await choice(page, "clarity", "b");
    await page.fill('textarea[name="rationale-overall"]', "B answers the question");
    await page.screenshot({ path: screenshotPath("annotate-pairwise.png") });
    await page.click("#save");
    await waitForLines(project, FILE, 4);
    expect(lines()[3]).toMatchObject({ preference: "b", criteria: { clarity: "b" }, rationale: { overall: "B answers the question" }, meta: { pair: pairs[1]!.id } });
    expect(errors).toEqual([]);
    await page.close();
    await stop(cli);

    // The watching build saw the file change and re-ran the judge, pairs and agreement.
    await builtFromCurrentFile();
    const report = JSON.parse(project.read("out/reports/agreement.json"));
    expect(report.judges).toContain("human:ana");
    expect(report.kappa.cohen.some((k: { a: string; b: string }) => k.b === "human:ana" || k.a === "human:ana")).toBe(true);
  });
});
