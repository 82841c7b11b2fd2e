// Peak resident memory of a running process, sampled from /proc/<pid>/status:
// all of it, and split into anonymous memory (heaps, buffers) and file-backed
// pages (the node binary, memory-mapped files such as the LMDB memo).
import { readFileSync } from "node:fs";

/**
 * Samples `pid()` (a function: the process may not exist yet) every `ms` until `stop()`, which returns the peaks in MB
 * and, as `samples`, every sample ({ at: Date.now(), rss, anon, file }) for peaks over part of the run.
 */
export function sampleResidentMemory(pid, ms = 250) {
  const peak = { rss: 0, anon: 0, file: 0 };
  const samples = [];
  const timer = setInterval(() => {
    let status;
    try {
      const id = pid();
      if (!id) return;
      status = readFileSync(`/proc/${id}/status`, "utf8");
    } catch {
      return;
    }
    const mb = (name) => Math.round(Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
    samples.push({ at: Date.now(), rss: mb("VmRSS"), anon: mb("RssAnon"), file: mb("RssFile") });
    peak.rss = Math.max(peak.rss, mb("VmRSS"));
    peak.anon = Math.max(peak.anon, mb("RssAnon"));
    peak.file = Math.max(peak.file, mb("RssFile"));
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      return { ...peak, samples };
    },
  };
}
