// The timed window of a client run: wall time, time spent in garbage
// collection, and event-loop (main-thread) busy time. Each GC pause delays
// every request in flight, so these explain a client's rate on a small machine.
import { PerformanceObserver } from "node:perf_hooks";

export function startClock() {
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gc.observe({ entryTypes: ["gc"] });
  const started = performance.now();
  const loop = performance.eventLoopUtilization();
  return () => {
    const ms = performance.now() - started;
    const mainMs = performance.eventLoopUtilization(loop).active;
    gc.disconnect();
    return { ms, gcMs, mainMs };
  };
}
