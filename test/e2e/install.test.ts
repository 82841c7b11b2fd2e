/**
 * A new user's first steps outside this repository, end to end: install the
 * checkout as a global command into a temporary prefix (a directory install
 * is a symlink: no network, no scripts), `dpo init` a project in an empty
 * folder, and follow the next step it prints, through a shell, as typed.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collect, repoRoot } from "../support/project.js";

const tmp = mkdtempSync(join(tmpdir(), "dpo-install-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A user's environment: no npm script variables, PATH = `extra` + node's folder (npm lives there too) + the system's. */
function userEnv(extra: string[]): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
  return { ...env, PATH: [...extra, dirname(process.execPath), "/usr/bin", "/bin"].join(delimiter), CI: "true", FORCE_COLOR: "0", DPO_BASE_URL: "", DPO_JOBS: "2" };
}

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) => collect(spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }));
const nextStep = (stdout: string) => /^next: (.+)$/m.exec(stdout)?.[1];

describe("dpo outside the repository", () => {
  it("installed with `npm install -g <checkout>`, `dpo init` prints a next step that builds the project", async () => {
    const prefix = join(tmp, "prefix");
    const install = await run("npm", ["install", "-g", "--prefix", prefix, repoRoot, "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], tmp, userEnv([]));
    expect(install.code, install.stderr).toBe(0);
    const bin = join(prefix, "bin", "dpo");

    // With the prefix's bin/ on PATH, as after `npm link` or a global install.
    const onPath = userEnv([join(prefix, "bin")]);
    const work = join(tmp, "work");
    mkdirSync(work);
    const init = await run(bin, ["init", "my project"], work, onPath);
    expect(init.code, init.stderr).toBe(0);
    expect(nextStep(init.stdout)).toBe("cd 'my project' && dpo build");
    const build = await run("sh", ["-c", nextStep(init.stdout)!], work, onPath);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stderr).toBe("");
    expect(readdirSync(join(work, "my project", "out")).length).toBeGreaterThan(0);

    // Without it, the next step names this installation by its path.
    const bare = userEnv([]);
    const init2 = await run(bin, ["init", "other"], work, bare);
    expect(init2.code, init2.stderr).toBe(0);
    const step = nextStep(init2.stdout)!;
    expect(step).toBe(`cd other && node ${join(realpathSync(repoRoot), "bin", "dpo.js")} build`);
    expect(init2.stdout).toContain("put it on your PATH: `npm link`");
    const version = await run("sh", ["-c", step.replace(/ build$/, " --version")], work, bare);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
