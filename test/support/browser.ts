/**
 * Headless Chromium for end-to-end tests of the pages dpo serves or writes:
 * Debian's `chromium` package (`.ci/run` installs it with apt), driven with
 * playwright-core. No browser is ever downloaded.
 *
 * Where Chromium is not installed, `browserAvailable` is false and the tests
 * that need it skip locally — but never in CI (CI=true), where a missing
 * browser is a failure, so a green CI always means the pages were tested.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { repoRoot } from "./project.js";

export const CHROMIUM = "/usr/bin/chromium";
export const browserAvailable = existsSync(CHROMIUM) || process.env.CI === "true";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A new page that records console errors and uncaught page errors. */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return { page, errors };
}

/** Where tests leave screenshots (git-ignored); `docs/img/` holds the committed ones the README shows. */
export function screenshotPath(name: string): string {
  const dir = join(repoRoot, "test-artifacts");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
