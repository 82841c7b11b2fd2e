import { describe, expect, it } from "vitest";
import { createPool, WORKER_HEAP_LIMITS } from "../../src/engine/pool.js";

describe("the worker pool's heaps", () => {
  it("are bounded by WORKER_HEAP_LIMITS, not V8's defaults for a main thread", async () => {
    const pool = createPool(1);
    try {
      // node:v8 is a task module like any other: the worker imports it and calls the export.
      const heap = await pool.run<{ heap_size_limit: number }>("node:v8", "getHeapStatistics", undefined);
      const limitMb = heap.heap_size_limit / 2 ** 20;
      const { maxOldGenerationSizeMb: old, maxYoungGenerationSizeMb: young } = WORKER_HEAP_LIMITS;
      // V8's limit is the old generation plus the young one (rounded to its pages).
      expect(limitMb).toBeGreaterThanOrEqual(old);
      expect(limitMb).toBeLessThanOrEqual(old + young + 4);
    } finally {
      await pool.close();
    }
  });
});
