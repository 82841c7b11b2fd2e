/**
 * `mode: batch`: chat calls sent through the OpenAI Batch API (about half
 * the price, results within 24 hours) instead of one HTTP request each.
 *
 * Plugins call the provider as usual; each call that misses the memo is
 * queued here, and the queue is sent as one batch once it stops growing for
 * `idleMs` or reaches `maxCalls`: JSONL upload, batch creation, a poll every
 * `pollMs` until the batch is final, then the output (and error) file is
 * downloaded and every call resolves from its line, so the memo stores each
 * result as soon as it is downloaded. A failed line fails its call as an HTTP
 * error would; a call with no line fails too (the next build asks again).
 *
 * A build that stops while a batch is pending loses nothing it paid for: the
 * submission itself is memoised under the set of calls it holds, so the next
 * build, missing the same calls, finds the batch id and polls that batch
 * instead of submitting again. A remembered batch that ended without output
 * (failed, cancelled) is passed over for a new submission.
 */
import { systemClock, type Clock, type Timer } from "../engine/async/clock.js";
import { sleep } from "../engine/async/sleep.js";
import { DpoError } from "../engine/diagnostic.js";
import { digestOf, sha256 } from "../engine/hash.js";
import type { PluginContext } from "../engine/plugin.js";
import { createBatch, downloadLines, FINAL_STATUSES, getBatch, uploadBatchFile, type BatchEndpoint, type BatchLine, type BatchState } from "./openai-batch-http.js";

export interface BatchSettings {
  /** Send the queue once no call has joined it for this long. */
  idleMs: number;
  /** Send the queue as soon as it holds this many calls (the Batch API takes up to 50,000). */
  maxCalls: number;
  /** Wait between two polls of a pending batch. */
  pollMs: number;
}

export const BATCH_DEFAULTS: BatchSettings = { idleMs: 2_000, maxCalls: 50_000, pollMs: 30_000 };

/** Polls that fail in a row (network, 5xx) before the calls of a batch fail; the batch itself is remembered. */
const POLL_FAILURES = 5;

const KEY_VERSION = "openai-batch@1";

export interface BatchEnv {
  name: string;
  /** The endpoint identity without credentials: part of the submission's memo key. */
  identity: Readonly<Record<string, unknown>>;
  redact(text: string): string;
  /** A located error (at the provider's config entry). */
  located(message: string, hint: string): unknown;
}

interface Queued {
  /** The request's body, as sent in its line. */
  body: Record<string, unknown>;
  bodyDigest: string;
  ctx: PluginContext<any>;
  resolve(responseBody: string): void;
  reject(error: unknown): void;
  settled: boolean;
}

export class BatchQueue {
  private queue: Queued[] = [];
  private timer?: Timer;

  constructor(
    private readonly connect: () => Promise<BatchEndpoint>,
    private readonly settings: BatchSettings,
    private readonly env: BatchEnv,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Queues one call; resolves with its parsed response body once its batch is downloaded. */
  async submit<R>(body: Record<string, unknown>, parse: (text: string) => R | undefined, ctx: PluginContext<any>): Promise<R> {
    const text = await new Promise<string>((resolve, reject) => {
      this.queue.push({ body, bodyDigest: sha256(JSON.stringify(body)), ctx, resolve, reject, settled: false });
      if (this.queue.length >= this.settings.maxCalls) this.flush();
      else this.arm();
    });
    const reply = parse(text);
    if (reply === undefined) throw this.env.located(this.env.redact(`provider "${this.env.name}": a batch result is not a chat completion: ${text.slice(0, 300)}`), "the batch output is malformed; build again to resubmit the call");
    return reply;
  }

  /** Stops the idle timer (the build is over). */
  close(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.flush(), this.settings.idleMs);
  }

  private flush(): void {
    this.close();
    const calls = this.queue.splice(0);
    if (calls.length > 0) void this.run(calls);
  }

  private async run(calls: Queued[]): Promise<void> {
    const ids = customIds(calls);
    const ctx = calls[0]!.ctx;
    try {
      const endpoint = await this.connect();
      const setKey = digestOf([...ids.keys()].sort());
      for (let attempt = 0; ; attempt++) {
        let fresh = false;
        const { batch } = await ctx.memo<{ batch: string }>([KEY_VERSION, this.env.identity, setKey, attempt], async () => {
          fresh = true;
          return { batch: await this.submitBatch(endpoint, ids, ctx) };
        });
        ctx.log.info(`provider "${this.env.name}": ${fresh ? "submitted" : "resuming"} batch ${batch} of ${calls.length} calls`);
        const state = await this.poll(endpoint, batch, ctx);
        if (!fresh && !state.output_file_id && !state.error_file_id) continue; // a remembered batch that came to nothing
        await this.deliver(endpoint, state, ids, ctx);
        return;
      }
    } catch (error) {
      const failure = error instanceof DpoError || ctx.signal.aborted ? error : this.env.located(this.env.redact(`provider "${this.env.name}": batch failed: ${(error as Error)?.message ?? String(error)}`), "nothing was memoised for these calls: the next build sends them again");
      for (const call of calls) settle(call, () => call.reject(failure));
    }
  }

  private async submitBatch(endpoint: BatchEndpoint, ids: Map<string, Queued>, ctx: PluginContext<any>): Promise<string> {
    const lines = [...ids].map(([custom_id, call]) => JSON.stringify({ custom_id, method: "POST", url: "/v1/chat/completions", body: call.body }));
    const file = await uploadBatchFile(endpoint, `${lines.join("\n")}\n`, ctx.signal);
    const batch = await createBatch(endpoint, file, ctx.signal);
    ctx.stat("llm.batches", 1);
    return batch;
  }

  private async poll(endpoint: BatchEndpoint, batch: string, ctx: PluginContext<any>): Promise<BatchState> {
    for (let failures = 0; ; ) {
      try {
        const state = await getBatch(endpoint, batch, ctx.signal);
        ctx.stat("llm.batch-polls", 1);
        if (FINAL_STATUSES.has(state.status)) return state;
        failures = 0;
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (ctx.signal.aborted || (status !== undefined && status < 500 && status !== 429) || ++failures >= POLL_FAILURES) throw error;
      }
      await sleep(this.settings.pollMs, ctx.signal, this.clock);
    }
  }

  /** Resolves every call from its line of the output or error file; a call without a line fails. */
  private async deliver(endpoint: BatchEndpoint, state: BatchState, ids: Map<string, Queued>, ctx: PluginContext<any>): Promise<void> {
    for (const file of [state.output_file_id, state.error_file_id]) {
      if (!file) continue;
      for (const line of await downloadLines(endpoint, file, ctx.signal)) {
        const call = ids.get(line.custom_id);
        if (call) settle(call, () => this.answer(call, line, state.id));
      }
    }
    const why = (state.errors?.data ?? []).map((e) => e.message).filter(Boolean).slice(0, 3).join("; ");
    for (const call of ids.values()) {
      settle(call, () =>
        call.reject(this.env.located(this.env.redact(`provider "${this.env.name}": batch ${state.id} ended "${state.status}" with no result for a call to model "${String(call.body.model)}"${why ? `: ${why}` : ""}`), "nothing was memoised for this call: the next build sends it again")),
      );
    }
  }

  private answer(call: Queued, line: BatchLine, batch: string): void {
    const status = line.response?.status_code ?? 0;
    if (!line.error && status >= 200 && status < 300) return call.resolve(JSON.stringify(line.response?.body ?? null));
    const message = line.error?.message ?? (line.response?.body as { error?: { message?: string } } | undefined)?.error?.message ?? "no message";
    const said = status ? `HTTP ${status}: ${message}` : `${line.error?.code ?? "error"}: ${message}`;
    call.reject(this.env.located(this.env.redact(`provider "${this.env.name}", model "${String(call.body.model)}": chat call failed in batch ${batch}: ${said}`), "the endpoint rejected the request; check the model name and parameters (nothing was memoised for this call)"));
  }
}

/**
 * Each call's `custom_id`: its body's digest and how many calls with the same
 * body come before it (samples of one request have equal bodies). Derived from
 * content, not arrival order, so the same calls get the same ids in the next
 * build, which finds a pending batch by them.
 */
function customIds(calls: Queued[]): Map<string, Queued> {
  const sorted = [...calls].sort((a, b) => (a.bodyDigest < b.bodyDigest ? -1 : a.bodyDigest > b.bodyDigest ? 1 : 0));
  const ids = new Map<string, Queued>();
  let previous = "";
  let k = 0;
  for (const call of sorted) {
    k = call.bodyDigest === previous ? k + 1 : 0;
    previous = call.bodyDigest;
    ids.set(`${call.bodyDigest.slice(0, 32)}-${k}`, call);
  }
  return ids;
}

function settle(call: Queued, fn: () => void): void {
  if (call.settled) return;
  call.settled = true;
  fn();
}
