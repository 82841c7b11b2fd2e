/**
 * The command `dpo init` tells the user to type: `dpo` only when the `dpo` on
 * their PATH is this installation — not one that exists only while npm runs a
 * script (`npx dpo init` inside a checkout puts node_modules/.bin on PATH).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ownBin, ownCommand, shellWord } from "../../src/cli/own-command.js";

const tmp = mkdtempSync(join(tmpdir(), "dpo-own-command-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function binDir(rel: string, target: string): string {
  const dir = join(tmp, rel);
  mkdirSync(dir, { recursive: true });
  symlinkSync(target, join(dir, "dpo"));
  return dir;
}

const node = dirname(process.execPath);
const byPath = `node ${shellWord(ownBin)}`;

describe("the command that runs this dpo", () => {
  it("is `dpo` when the dpo on PATH is this installation", () => {
    expect(ownCommand({ PATH: [binDir("global/bin", ownBin), node].join(delimiter) })).toBe("dpo");
  });

  it("names this installation by its path when PATH has no dpo, another one, or only npm's script folders", () => {
    expect(ownCommand({ PATH: node })).toBe(byPath);
    expect(ownCommand({ PATH: [binDir("other/bin", process.execPath), node].join(delimiter) })).toBe(byPath);
    expect(ownCommand({ PATH: [binDir("repo/node_modules/.bin", ownBin), node].join(delimiter) })).toBe(byPath);
  });

  it("quotes what the shell would split", () => {
    expect(shellWord("my project")).toBe("'my project'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord("../data/a-b_c.x")).toBe("../data/a-b_c.x");
  });
});
