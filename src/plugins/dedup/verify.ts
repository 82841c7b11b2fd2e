/**
 * Exact verification: the Jaccard similarity of two texts' shingle SETS,
 * computed in the worker pool for a list of pairs. LSH only proposes
 * candidates; nothing is removed on a signature estimate, so precision against
 * exact Jaccard is exact by construction (a 32-bit shingle-hash collision is
 * the only approximation).
 */
import type { WorkerPool } from "../../engine/plugin.js";
import type { FieldValue } from "./fields.js";
import type { FieldValues } from "./field-values.js";
import type { JaccardBatch } from "./minhash-task.js";
import type { ShingleSpec } from "./shingle.js";

const TASK = new URL("./minhash-task.js", import.meta.url).href;
const PAIRS_PER_BATCH = 2048;

/** Exact Jaccard of each pair [i, j] of `pairs` (flattened), indices into `values` (records' field values). */
export async function exactJaccard(
  values: FieldValues,
  pairs: Uint32Array,
  spec: ShingleSpec,
  pool: WorkerPool,
): Promise<Float64Array> {
  const out = new Float64Array(pairs.length / 2);
  const jobs: Promise<void>[] = [];
  for (let first = 0; first < out.length; first += PAIRS_PER_BATCH) {
    const last = Math.min(out.length, first + PAIRS_PER_BATCH);
    const batch = localBatch(values, pairs.subarray(2 * first, 2 * last), spec);
    jobs.push(pool.run<Float64Array>(TASK, "jaccardBatch", batch).then((j) => out.set(j, first)));
  }
  await Promise.all(jobs);
  return out;
}

/** A batch carries only the records its pairs name, renumbered. */
function localBatch(values: FieldValues, pairs: Uint32Array, spec: ShingleSpec): JaccardBatch {
  const local = new Map<number, number>();
  const batchValues: FieldValue[][] = [];
  const localPairs = new Uint32Array(pairs.length);
  for (let k = 0; k < pairs.length; k++) {
    const global = pairs[k]!;
    let index = local.get(global);
    if (index === undefined) {
      index = batchValues.push(values.at(global)) - 1;
      local.set(global, index);
    }
    localPairs[k] = index;
  }
  return { values: batchValues, pairs: localPairs, spec };
}
