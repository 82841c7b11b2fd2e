#!/usr/bin/env node
/**
 * The codecs every stage pays per byte, on the judged artifact of a built
 * pipeline project (run `node bench/pipeline.mjs N` first), from dist/:
 * - reading lines: `readLines` (lines cut in the bytes, each decoded) against
 *   the approach it replaced, reproduced here (decode each chunk, split the string);
 * - canonical JSON: `canonicalJson` (native JSON.stringify for plain data)
 *   against its general encoder (forced by an `Encoded` part, which only it
 *   handles) and bare JSON.stringify.
 * Medians of ROUNDS (default 3).
 *
 *   npx tsc -p . && node bench/artifact-codecs.mjs 10000
 */
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { canonicalJson, Encoded } from "../dist/engine/hash.js";
import { readLines } from "../dist/engine/read-lines.js";

const n = Number(process.argv[2] ?? 10000);
const rounds = Number(process.env.ROUNDS ?? 3);
const dir = join(import.meta.dirname, ".work", `pipeline-${n}`);
const digest = JSON.parse(readFileSync(join(dir, "dpo.lock"), "utf8")).stages.judge.output;
const path = join(dir, "cache", "objects", digest.slice(0, 2), digest);

async function* chunkSplitLines(file) {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 16 })) {
    const lines = (rest + decoder.write(chunk)).split("\n");
    rest = lines.pop();
    yield* lines;
  }
  rest += decoder.end();
  if (rest) yield rest;
}

async function timeLines(lines) {
  const t = performance.now();
  let bytes = 0;
  for await (const l of lines(path)) bytes += l.length;
  return [performance.now() - t, bytes];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(f) {
  const times = [];
  for (let r = 0; r < rounds; r++) times.push(await f());
  return median(times);
}

const [, chars] = await timeLines(readLines);
console.log(`${path.slice(-16)}: ${(chars / 1e6).toFixed(1)} M characters of judged records (N = ${n})`);
console.log(`readLines:                 ${(await measure(async () => (await timeLines(readLines))[0])).toFixed(0)} ms`);
console.log(`chunk decode + split:      ${(await measure(async () => (await timeLines(chunkSplitLines))[0])).toFixed(0)} ms`);

const records = [];
for await (const l of readLines(path)) records.push(JSON.parse(l));
const encode = (f) => () => {
  const t = performance.now();
  for (const r of records) f(r);
  return performance.now() - t;
};
const marker = new Encoded(0);
console.log(`canonicalJson:             ${(await measure(encode(canonicalJson))).toFixed(0)} ms`);
console.log(`general encoder:           ${(await measure(encode((r) => canonicalJson([marker, r])))).toFixed(0)} ms`);
console.log(`JSON.stringify:            ${(await measure(encode(JSON.stringify))).toFixed(0)} ms`);
