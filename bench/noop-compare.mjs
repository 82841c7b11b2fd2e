#!/usr/bin/env node
// No-op builds of two dpo installations side by side, interleaved so both see
// the same machine: each builds its own copy of one synthetic project, then
// they alternate no-op builds and `--version`. Medians.
//   node bench/noop-compare.mjs OLD/bin/dpo.js NEW/bin/dpo.js [records]
// e.g. a worktree of an earlier commit (`git worktree add /tmp/old <rev>`,
// `ln -s $PWD/node_modules /tmp/old/`, `npx tsc -p /tmp/old`) against this one.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateProject } from "./generate-project.mjs";

const [oldArg, newArg, records = "100000"] = process.argv.slice(2);
const [oldBin, newBin] = [oldArg, newArg].map((p) => p && resolve(p));
if (!oldBin || !newBin) {
  console.error("usage: node bench/noop-compare.mjs OLD/bin/dpo.js NEW/bin/dpo.js [records]");
  process.exit(2);
}
const runs = Number(process.env.RUNS ?? 15);
const sides = { old: { bin: oldBin, dir: join(tmpdir(), "dpo-noop-old") }, new: { bin: newBin, dir: join(tmpdir(), "dpo-noop-new") } };
const time = (side, args) => {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, [side.bin, ...args], { cwd: side.dir, stdio: "pipe", env: { ...process.env, CI: "true" } });
  return Number(process.hrtime.bigint() - start) / 1e6;
};
for (const side of Object.values(sides)) {
  rmSync(side.dir, { recursive: true, force: true });
  generateProject(Number(records), side.dir);
  time(side, ["build", "--quiet"]); // the full build
  time(side, ["build", "--quiet"]); // compiles the config under this installation's stamp
}
const samples = { old: { noop: [], version: [] }, new: { noop: [], version: [] } };
for (let i = 0; i < runs; i++) {
  for (const [name, side] of Object.entries(sides)) {
    samples[name].noop.push(time(side, ["build", "--quiet"]));
    samples[name].version.push(time(side, ["--version"]));
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${records} records, ${runs} interleaved runs, load average ${loadavg()[0].toFixed(2)}`);
for (const name of ["old", "new"]) {
  console.log(`${name}: no-op build ${median(samples[name].noop).toFixed(1)} ms, dpo --version ${median(samples[name].version).toFixed(1)} ms`);
}
