/**
 * Normalising ~1 KB of text costs tens of microseconds, so it runs in the
 * worker pool, in batches; each batch is handed on as soon as it is back so
 * signing can start while the rest is still being normalised.
 */
import type { WorkerPool } from "../../engine/plugin.js";
import type { FieldValue } from "./fields.js";
import type { RenderBatch } from "./minhash-task.js";

const TASK = new URL("./minhash-task.js", import.meta.url).href;
const BATCH = 1024;

export interface Rendered {
  /** Normalised text of each record. */
  texts: string[];
  /** sha256 of each normalised text. */
  digests: string[];
}

export async function renderAll(
  values: FieldValue[][],
  pool: WorkerPool,
  onBatch: (first: number, batch: Rendered) => void,
): Promise<Rendered> {
  const texts = new Array<string>(values.length);
  const digests = new Array<string>(values.length);
  const jobs: Promise<void>[] = [];
  for (let first = 0; first < values.length; first += BATCH) {
    const arg: RenderBatch = { values: values.slice(first, first + BATCH) };
    jobs.push(
      pool.run<Rendered>(TASK, "renderBatch", arg).then((batch) => {
        batch.texts.forEach((t, k) => (texts[first + k] = t));
        batch.digests.forEach((d, k) => (digests[first + k] = d));
        onBatch(first, batch);
      }),
    );
  }
  await Promise.all(jobs);
  return { texts, digests };
}
