/**
 * Every command's `--help` lists every flag it takes: the help is generated
 * from the same option table that parseArgs reads (src/cli/args.ts).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMON_OPTIONS, helpText, usageLine, type CommandSpec } from "../../src/cli/args.js";
import { TempProject } from "../support/project.js";

const commandsDir = new URL("../../src/cli/commands/", import.meta.url);
const commandFiles = readdirSync(commandsDir).filter((f) => f.endsWith(".ts"));

describe("command help", () => {
  it("every command declares its options in one table, and its help and usage line name each of them", async () => {
    expect(commandFiles.length).toBeGreaterThanOrEqual(12);
    for (const file of commandFiles) {
      const { SPEC } = (await import(new URL(file, commandsDir).href)) as { SPEC: CommandSpec };
      expect(SPEC, file).toBeDefined();
      const help = helpText(SPEC);
      for (const [name, o] of Object.entries({ ...SPEC.options, ...COMMON_OPTIONS })) {
        expect(help, `${file}: --${name}`).toContain(`--${name}`);
        if (o.short) expect(help, `${file}: -${o.short}`).toContain(`-${o.short}, --${name}`);
        expect(o.description.length, `${file}: --${name} has a description`).toBeGreaterThan(5);
      }
      for (const name of Object.keys(SPEC.options)) expect(usageLine(SPEC), file).toContain(`--${name}`);
    }
  });

  it("`dpo build --help` lists --verbose and `dpo verify --help` lists --quiet (the real CLI)", async () => {
    const p = new TempProject({});
    try {
      const build = await p.run(["build", "--help"]);
      expect(build.code).toBe(0);
      expect(build.stdout).toContain("--verbose");
      expect(build.stdout).toContain("-C, --dir DIR");
      const verify = await p.run(["verify", "--help"]);
      expect(verify.stdout).toContain("-q, --quiet");
    } finally {
      p.remove();
    }
  });
});
