#!/usr/bin/env node
// Full build and no-op build of synthetic projects (10,000 and 100,000 records),
// side by side with bare CLI start-up (`dpo --version`) and `node -e ""`.
//   npm run build && node bench/noop.mjs
// Target (issue 2): no-op build of the 100,000-record project within 2× `dpo --version`.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateProject } from "./generate-project.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const dpo = join(here, "..", "bin", "dpo.js");
const runs = Number(process.env.RUNS ?? 9);

function time(args, cwd) {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, args, { cwd, stdio: "pipe", env: { ...process.env, CI: "true" } });
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const repeat = (f) => median(Array.from({ length: runs }, f));

const nodeBare = repeat(() => time(["-e", ""], here));
const version = repeat(() => time([dpo, "--version"], here));
console.log(`node -e "":      ${nodeBare.toFixed(1)} ms (median of ${runs})`);
console.log(`dpo --version:   ${version.toFixed(1)} ms`);
for (const n of [10_000, 100_000]) {
  const dir = join(here, ".work", `p${n}`);
  rmSync(dir, { recursive: true, force: true });
  generateProject(n, dir);
  const full = time([dpo, "build", "--quiet"], dir);
  const noop = repeat(() => time([dpo, "build", "--quiet"], dir));
  console.log(`${n} records: full build ${(full / 1000).toFixed(2)} s, no-op build ${noop.toFixed(1)} ms = ${(noop / version).toFixed(2)}× dpo --version`);
}
