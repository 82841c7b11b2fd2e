#!/usr/bin/env node
// Writes a synthetic dpo project with N prompt records into DIR:
//   node bench/generate-project.mjs 100000 bench/.work/p100k
// The graph: source/jsonl → dedup/minhash (exact + near), so a full build
// exercises streaming input, the worker pool and the item memo.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function generateProject(n, dir) {
  mkdirSync(join(dir, "datasets"), { recursive: true });
  // mulberry32: a small PRNG that stays exact in 32-bit integer arithmetic.
  let seed = 12345;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // A 5,000-word vocabulary of pronounceable nonsense, so prompts are diverse
  // (near duplicates are rare, as in real data) yet tokenise like text.
  const syllables = "ka lo mi ne su ta ri po ve da lu shi mo re an el or is un".split(" ");
  const words = Array.from({ length: 5000 }, () =>
    Array.from({ length: 1 + Math.floor(rand() * 3) }, () => syllables[Math.floor(rand() * syllables.length)]).join(""),
  );
  const rows = [];
  for (let i = 0; i < n; i++) {
    const len = 12 + Math.floor(rand() * 20);
    const text = Array.from({ length: len }, () => words[Math.floor(rand() * words.length)]).join(" ");
    rows.push(JSON.stringify({ instruction: `${text} #${i}`, dataset: `set${i % 5}` }));
  }
  writeFileSync(join(dir, "datasets", "prompts.jsonl"), rows.join("\n") + "\n");
  writeFileSync(
    join(dir, "dpo.config.yaml"),
    `version: 1
project: synthetic-${n}
seed: 1
stages:
  prompts:
    uses: source/jsonl
    with:
      path: datasets/prompts.jsonl
      prompt: instruction
  unique:
    uses: dedup/minhash
    needs: prompts
`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n, dir] = process.argv.slice(2);
  generateProject(Number(n), dir);
}
