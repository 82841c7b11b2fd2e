/**
 * The line that ends a build's summary: what this run sent to LLM endpoints
 * and what that cost (the stages' `sent.*` stats), then what the built
 * outputs depend on in all (their `llm.calls`, `cost.usd` tallies, as in
 * dpo.lock). Absent when the build had nothing to do with LLM calls.
 */
import type { StageLine } from "../engine/reporter.js";

export function totalLine(lines: readonly StageLine[]): string | undefined {
  const run = sums(lines.map((l) => l.stats));
  const out = sums(lines.map((l) => l.tallies));
  const sent = run("llm.sent") + run("reward.sent");
  const fromMemo = run("llm.cached") + run("reward.cached");
  const needed = out("llm.calls") + out("reward.calls");
  if (sent + fromMemo + needed === 0) return undefined;
  const estimated = run("sent.tokens.estimated");
  const unpriced = run("sent.unpriced");
  // Calls and HTTP requests differ with `n` sampling (several calls per request) and retries; batch calls go in batches.
  const requests = run("requests.sent");
  const batches = run("llm.batches");
  const carriers = [
    requests > 0 && (requests !== sent || batches > 0) ? `${requests} request${requests === 1 ? "" : "s"}` : "",
    batches > 0 ? `${batches} batch${batches === 1 ? "" : "es"}` : "",
  ].filter(Boolean);
  const parts = [
    `total: ${sent} calls sent${carriers.length ? ` in ${carriers.join(" and ")}` : ""}, ${fromMemo} served from memo`,
    `${run("sent.tokens.prompt") + run("sent.tokens.completion")} tokens sent${estimated > 0 ? ` (~${estimated} estimated)` : ""}`,
    sent === 0 ? "$0 this run" : `${sent > unpriced ? `$${usd(run("sent.cost.usd"))}` : "cost unknown"} this run${unpriced > 0 ? ` (${unpriced} calls unpriced)` : ""}`,
  ];
  if (needed > 0) {
    const outEstimated = out("tokens.estimated");
    const cost = lines.some((l) => l.tallies?.["cost.usd"] !== undefined) ? `, $${usd(out("cost.usd"))}` : "";
    parts.push(`outputs: ${needed} calls${cost}${outEstimated > 0 ? ` (~${outEstimated} tokens estimated)` : ""}`);
  }
  return parts.join(" · ");
}

/** name → the sum over every stage that has it. */
function sums(records: readonly (Record<string, number> | undefined)[]): (name: string) => number {
  return (name) => records.reduce((s, r) => s + (r?.[name] ?? 0), 0);
}

const usd = (x: number) => x.toFixed(4);
