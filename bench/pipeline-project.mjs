#!/usr/bin/env node
// Writes a synthetic project of N prompts × 4 recorded candidates into DIR,
// shaped like the example (dpo.config.yaml): source → dedup → recorded
// candidates → two offline judges → pairs → agreement → pair dedup → export.
//   node bench/pipeline-project.mjs 100000 bench/.work/pipe-100k
// Text is diverse (a 5,000-word nonsense vocabulary); 3% of the prompts are
// planted near-duplicates of an earlier one (one word changed), and some
// answers are near-copies of another model's, so both dedup stages do work.
// Everything is written as it is generated: a million prompts never sit in memory.
import { closeSync, copyFileSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

const MODELS = ["strong-a", "strong-b", "weak-c", "weak-d"];

export function generatePipelineProject(n, dir, { root = join(import.meta.dirname, "..") } = {}) {
  mkdirSync(join(dir, "datasets", "outputs"), { recursive: true });
  mkdirSync(join(dir, "rubrics"), { recursive: true });
  for (const f of ["helpfulness.yaml", "offline-weights.json"]) copyFileSync(join(root, "rubrics", f), join(dir, "rubrics", f));
  const rand = mulberry32(12345);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const syllables = "ka lo mi ne su ta ri po ve da lu shi mo re an el or is un".split(" ");
  const words = Array.from({ length: 5000 }, () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(syllables)).join(""));
  const sentence = (len) => Array.from({ length: len }, () => pick(words)).join(" ");
  const answer = (style) => {
    const sentences = style === "strong" ? 4 + Math.floor(rand() * 6) : 1 + Math.floor(rand() * 3);
    const parts = Array.from({ length: sentences }, () => sentence(8 + Math.floor(rand() * 14)) + ".");
    return style === "strong" && rand() < 0.5 ? parts.map((p, i) => `${i + 1}. ${p}`).join("\n") : parts.join(" ");
  };

  const prompts = new Writer(join(dir, "datasets", "prompts.jsonl"));
  const outputs = MODELS.map((m) => new Writer(join(dir, "datasets", "outputs", `${m}.jsonl`)));
  const recent = [];
  for (let i = 0; i < n; i++) {
    let text;
    if (recent.length > 0 && rand() < 0.03) {
      const base = pick(recent).split(" ");
      base[Math.floor(rand() * base.length)] = pick(words);
      text = base.join(" ");
    } else {
      text = `${sentence(12 + Math.floor(rand() * 20))} #${i}`;
    }
    if (recent.length < 1000) recent.push(text);
    else recent[Math.floor(rand() * recent.length)] = text;
    prompts.line({ instruction: text, dataset: `set${i % 5}` });
    let previous = "";
    MODELS.forEach((model, m) => {
      const copy = m > 0 && rand() < 0.02;
      const output = copy ? previous + " " + pick(words) : answer(model.startsWith("strong") ? "strong" : "weak");
      previous = output;
      outputs[m].line({ instruction: text, output, generator: model });
    });
  }
  prompts.close();
  for (const o of outputs) o.close();
  writeFileSync(join(dir, "dpo.config.yaml"), config(n));
}

function config(n) {
  const iterations = [Math.max(10, Math.round(n / 100)), Math.max(50, Math.round(n / 20))];
  return `version: 1
project: pipeline-${n}
seed: 20261128
stages:
  prompts:
    uses: source/jsonl
    with: { path: datasets/prompts.jsonl, prompt: instruction }
  unique-prompts:
    uses: dedup/minhash
    needs: prompts
  candidates:
    uses: generate/recorded
    needs: unique-prompts
    with:
      n: 4
      files: [${MODELS.map((m) => `datasets/outputs/${m}.jsonl`).join(", ")}]
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/helpfulness.yaml
      judges:
        - { id: heuristics-fitted, type: offline, scorers: [harm, preference], weights: rubrics/offline-weights.json }
        - id: heuristics-consensus
          type: offline
          scorers: [harm, consensus]
          criteria: { completeness: preference }
          weights: rubrics/offline-weights.json
  pairs:
    uses: pair/preference
    needs: judge
    with: { strategy: best-vs-worst, minMargin: 0.25 }
  agreement:
    uses: quality/agreement
    needs: pairs
    with: { filter: drop }
  unique-pairs:
    uses: dedup/minhash
    needs: agreement
    with: { fields: [prompt, chosen.text] }
  export:
    uses: export/iterations
    needs: [unique-pairs]
    with:
      iterations: [${iterations.join(", ")}]
      eval: { size: ${Math.max(10, Math.round(n / 200))} }
      formats: [trl-conversational, trl, openai, hh, unpaired]
      extras: true
`;
}

/** Buffered line writer: a few MB in memory, whatever the file's size. */
class Writer {
  constructor(path) {
    this.fd = openSync(path, "w");
    this.chunks = [];
    this.size = 0;
  }
  line(value) {
    const s = JSON.stringify(value) + "\n";
    this.chunks.push(s);
    this.size += s.length;
    if (this.size > 4 << 20) this.flush();
  }
  flush() {
    writeSync(this.fd, this.chunks.join(""));
    this.chunks = [];
    this.size = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

// mulberry32: a small PRNG that stays exact in 32-bit integer arithmetic.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n, dir] = process.argv.slice(2);
  generatePipelineProject(Number(n), dir);
}
