/**
 * One provider's accounting for one build. Two ledgers, kept apart on purpose:
 *
 * - tallies (`llm.calls`, `tokens.prompt`, `tokens.completion`,
 *   `tokens.estimated`, `cost.usd`; `reward.calls` for reward models): every
 *   call the output depends on, from its memoised usage record, whether it was
 *   sent now or served from the memo. They go to dpo.lock, so they must be the
 *   same however the output was built (fresh, from the memo, `dpo verify`).
 * - stats (`llm.sent`, `llm.cached`, `sent.tokens.*`, `sent.cost.usd`,
 *   `sent.unpriced`): what this run sent and paid for. Shown, never stored.
 *
 * Costs are the calls' tokens at the provider's `prices`, looked up now (the
 * prices are part of the stage key). A model without a price is warned about
 * once per build, however many calls it makes.
 */
import type { Logger, PluginContext } from "../engine/plugin.js";
import { costUsd, type CallUsage, type Price } from "./usage.js";

export type CallKind = "llm" | "reward";

/** Each kind's counter names, spelled once: built per call, they were a new string (and a string-table lookup) each time. */
const NAMES: Record<CallKind, { calls: string; sent: string; cached: string }> = {
  llm: { calls: "llm.calls", sent: "llm.sent", cached: "llm.cached" },
  reward: { calls: "reward.calls", sent: "reward.sent", cached: "reward.cached" },
};

export class UsageAccount {
  private readonly warned = new Set<string>();

  constructor(
    private readonly prices: Readonly<Record<string, Price>> | undefined,
    private readonly provider: string,
    private readonly log: Logger,
  ) {}

  /** Tallies calls the output depends on (sent now or served from the memo). */
  count(ctx: PluginContext<any>, kind: CallKind, model: string, calls: readonly CallUsage[]): void {
    if (calls.length === 0) return;
    const price = this.priceOf(model);
    let prompt = 0;
    let completion = 0;
    let estimated = 0;
    let cost = 0;
    for (const c of calls) {
      prompt += c.prompt;
      completion += c.completion;
      if (c.estimated) estimated += c.prompt + c.completion;
      if (price) cost += costUsd(c, price);
    }
    ctx.tally(NAMES[kind].calls, calls.length);
    ctx.tally("tokens.prompt", prompt);
    if (kind === "llm") ctx.tally("tokens.completion", completion);
    // Only when there is something to mark: locks of endpoints that report usage keep their keys.
    if (estimated > 0) ctx.tally("tokens.estimated", estimated);
    if (price) ctx.tally("cost.usd", cost);
    ctx.progress.tick(0, { tokens: prompt + completion });
  }

  /** This run's traffic for one call: sent now (its tokens and cost), or served without sending. */
  served(ctx: PluginContext<any>, kind: CallKind, model: string, usage: CallUsage, sent: boolean): void {
    if (!sent) return ctx.stat(NAMES[kind].cached, 1);
    ctx.stat(NAMES[kind].sent, 1);
    ctx.stat("sent.tokens.prompt", usage.prompt);
    if (usage.completion > 0) ctx.stat("sent.tokens.completion", usage.completion);
    if (usage.estimated) ctx.stat("sent.tokens.estimated", usage.prompt + usage.completion);
    const price = this.priceOf(model);
    if (price) ctx.stat("sent.cost.usd", costUsd(usage, price));
    else ctx.stat("sent.unpriced", 1);
  }

  /** Calls a memoised result depends on, served from the memo this run without reaching the provider's memo. */
  replayed(ctx: PluginContext<any>, kind: CallKind, calls: number): void {
    if (calls > 0) ctx.stat(NAMES[kind].cached, calls);
  }

  /** The configured price of `model`, if any (no warning: `count` warns once). */
  price(model: string): Price | undefined {
    return this.prices && Object.hasOwn(this.prices, model) ? this.prices[model] : undefined;
  }

  private priceOf(model: string): Price | undefined {
    const price = this.price(model);
    if (!price && !this.warned.has(model)) {
      this.warned.add(model);
      this.log.warn(
        `model "${model}" has no price in provider "${this.provider}": its calls are counted in tokens.* but not in cost.usd ` +
          `(add \`prices: {"${model}": {input: …, output: …}}\`, USD per million tokens; 0 for a free local model)`,
      );
    }
    return price;
  }
}
