/**
 * Sources stream: the first record comes out while the file is still being
 * written. The input is a named pipe fed by the test, so a source that read
 * the whole input before yielding would wait for an end that never comes
 * (the writer only finishes after it has seen the first record) and time out.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createContext } from "../../src/engine/context.js";
import { memoryMemo } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import jsonlSource from "../../src/plugins/source/jsonl.js";
import { project } from "./project.js";

const LINES = 200_000;
const FIRST_BATCH = 1_000;
const line = (i: number) => `{"prompt": "prompt number ${i}", "i": ${i}}\n`;
const batch = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(from + k)).join("");

function context(root: string, progress: { totals: number[] }) {
  return createContext({
    stage: "stream",
    with: { path: "big.jsonl", prompt: "prompt", meta: "*", onError: "fail", maxErrors: 20 },
    root,
    seed: 1,
    key: "k",
    inputs: {},
    signal: new AbortController().signal,
    offline: true,
    memo: memoryMemo(),
    pool: { size: 0, run: () => Promise.reject(new Error("no pool")) },
    log: { info() {}, warn() {}, debug() {} },
    progress: { total: (n) => progress.totals.push(n), tick() {} },
    provider: () => undefined,
  }).ctx;
}

describe("streaming", () => {
  it(`yields the first of ${LINES} records before the input is complete`, async () => {
    const root = project();
    const fifo = join(root, "big.jsonl");
    execFileSync("mkfifo", [fifo]);
    const progress = { totals: [] as number[] };
    const records = (jsonlSource.run(context(root, progress) as never) as AsyncIterable<Rec>)[Symbol.asyncIterator]();
    const writer = createWriteStream(fifo);
    writer.write(batch(0, FIRST_BATCH));

    const timeout = new Promise<"timed out">((resolve) => setTimeout(() => resolve("timed out"), 5000).unref());
    const first = await Promise.race([records.next(), timeout]);
    expect(first).not.toBe("timed out");
    expect((first as IteratorResult<Rec>).value).toMatchObject({ prompt: "prompt number 0", meta: { i: 0 } });

    const writing = (async () => {
      for (let from = FIRST_BATCH; from < LINES; from += 10_000) {
        if (!writer.write(batch(from, Math.min(LINES, from + 10_000)))) await once(writer, "drain");
      }
      writer.end();
      await once(writer, "close");
    })();
    let count = 1;
    let last: Rec | undefined;
    for (let r = await records.next(); !r.done; r = await records.next()) {
      count++;
      last = r.value;
    }
    await writing;
    expect(count).toBe(LINES);
    expect(last).toMatchObject({ prompt: `prompt number ${LINES - 1}`, source: { file: "big.jsonl", line: LINES } });
    // Progress grew as lines arrived rather than being known up front.
    expect(progress.totals[0]).toBeLessThan(LINES);
    expect(progress.totals.at(-1)).toBe(LINES);
  }, 20_000);
});
