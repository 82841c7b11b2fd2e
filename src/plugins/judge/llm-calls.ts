/**
 * The judges' second memo layer (a parsed verdict per question) with the
 * usage of the calls the verdict was built from. Those calls are made with
 * `tally: false`; they are tallied here, from whatever value the memo yields,
 * so a fresh build, a rebuild from the memo (`dpo clean`, an incremental build,
 * `dpo verify`) and a share of an identical question in flight all count the
 * same calls, and dpo.lock is the same however the output was built.
 */
import type { PluginContext } from "../../engine/plugin.js";
import type { LlmProvider } from "../../providers/llm.js";
import { asCallUsage, type CallUsage } from "../../providers/usage.js";

/** A result and the usage of every call it took. */
export interface WithCalls<T> {
  value: T;
  calls: CallUsage[];
}

/** Thrown by a computation whose result must not be memoised (ctx.memo stores whatever resolves); it is still used and counted. */
export class NotMemoised<T> {
  constructor(readonly result: WithCalls<T>) {}
}

/** `ctx.memo(key, compute)`, then the result's calls tallied at `provider` as calls of `model`. */
export async function memoWithCalls<T>(
  ctx: PluginContext<any>,
  provider: LlmProvider,
  model: string,
  key: unknown,
  compute: () => Promise<WithCalls<T>>,
): Promise<T> {
  return (await memoCalls(ctx, provider, model, key, compute)).value;
}

/** As memoWithCalls, returning the calls too (their usage records as the memo holds them), for the cost a record carries. */
export async function memoCalls<T>(
  ctx: PluginContext<any>,
  provider: LlmProvider,
  model: string,
  key: unknown,
  compute: () => Promise<WithCalls<T>>,
): Promise<WithCalls<T>> {
  let ran = false;
  const result = await ctx
    .memo<WithCalls<T>>(key, () => {
      ran = true;
      return compute();
    })
    .catch((e: unknown) => {
      if (e instanceof NotMemoised) return e.result as WithCalls<T>;
      throw e;
    });
  const calls = callsOf(result);
  provider.count?.(ctx, model, calls, { fromMemo: !ran });
  return { value: result.value, calls };
}

/** The usage records of a memoised result; a damaged list counts none rather than failing the build. */
function callsOf(result: WithCalls<unknown>): CallUsage[] {
  if (!Array.isArray(result.calls)) return [];
  const out: CallUsage[] = [];
  for (const c of result.calls) {
    const u = asCallUsage(c);
    if (u) out.push(u);
  }
  return out;
}
