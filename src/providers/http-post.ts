/**
 * One HTTP POST over undici's dispatch API, its whole reply collected as text.
 *
 * Why not `dispatcher.request()`: it wraps every reply in a Readable stream
 * and hangs one abort listener per request on the signal. At thousands of
 * calls a second both turned into garbage collection pauses that delayed every
 * request in flight (bench/RESULTS.md). Here a reply is a list of chunks, and
 * each post is itself a node of its signal's abort subscribers (one listener
 * per signal, engine/async/abort-fanout.ts), so a post costs one object and no
 * listener.
 *
 * Each post has one deadline for its whole exchange (connection, headers and
 * every byte of the body): undici's own headers and body timeouts only bound
 * the gaps, so a server dripping a byte at a time could hold a call forever.
 * The deadline is one Node timer per post, which replaces undici's two (they
 * are turned off); timers of the same duration share one list in Node, so
 * arming and clearing it is O(1).
 */
import type { Dispatcher } from "undici";
import { subscribe, type AbortSubscriber, type AbortSubscribers } from "../engine/async/abort-fanout.js";

/** Where posts go: fixed per endpoint, so nothing is built per post. */
export interface PostTarget {
  dispatcher: Dispatcher;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Every header sent, content type and credentials included. */
  headers: Record<string, string>;
  /** Longest time one post may take, from dispatch to the last byte of its reply. */
  timeoutMs: number;
}

/** Header names in lower case, as undici hands them over. */
export type ReplyHeaders = Record<string, string | string[] | undefined>;

export interface PostReply {
  status: number;
  headers: ReplyHeaders;
  text: string;
}

/** The error of a post that ran past its deadline. */
export class PostDeadlineError extends Error {
  readonly code = "DPO_POST_DEADLINE";
  constructor(readonly timeoutMs: number) {
    super(`no complete reply within ${timeoutMs} ms`);
  }
}

/**
 * Resolves with the reply, whatever its status; rejects on network errors,
 * with a PostDeadlineError when the whole exchange takes longer than
 * `target.timeoutMs`, or with the signal's reason when it aborts.
 */
export function post(target: PostTarget, body: string, signal: AbortSignal): Promise<PostReply> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const { dispatcher, path, headers, timeoutMs } = target;
    const exchange = new Exchange(signal, timeoutMs, resolve, reject);
    dispatcher.dispatch({ method: "POST", path, headers, body, headersTimeout: 0, bodyTimeout: 0 }, exchange);
  });
}

function expire(exchange: Exchange): void {
  exchange.expired();
}

/** A post in progress: undici's handler for it, and a node of its signal's abort subscribers. */
class Exchange implements Dispatcher.DispatchHandler, AbortSubscriber {
  prev?: AbortSubscriber;
  next?: AbortSubscriber;
  /** The subscribers it joined; it leaves when the reply is in. */
  private readonly list: AbortSubscribers;
  private controller?: Dispatcher.DispatchController;
  private abortReason?: { reason: unknown };
  private status = 0;
  private headers: ReplyHeaders = {};
  private readonly chunks: Buffer[] = [];
  /** The deadline; `expire` with this post as argument, so arming it allocates no closure. */
  private readonly timer: NodeJS.Timeout;

  constructor(
    signal: AbortSignal,
    private readonly timeoutMs: number,
    private readonly resolve: (reply: PostReply) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    this.timer = setTimeout(expire, timeoutMs, this);
    this.list = subscribe(signal, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Aborted while still queued in undici: stop it as soon as undici hands it over.
    if (this.abortReason) controller.abort(this.abortReason.reason as Error);
    else this.controller = controller;
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: ReplyHeaders): void {
    this.status = status;
    this.headers = headers;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    clearTimeout(this.timer);
    this.list.remove(this);
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString("utf8") : Buffer.concat(this.chunks).toString("utf8");
    this.resolve({ status: this.status, headers: this.headers, text });
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    clearTimeout(this.timer);
    this.list.remove(this);
    this.reject(error);
  }

  /** The signal aborted: stop the exchange with its reason. */
  aborted(reason: unknown): void {
    this.stop(reason);
  }

  /** The deadline passed: stop the exchange as a failed attempt. */
  expired(): void {
    this.stop(new PostDeadlineError(this.timeoutMs));
  }

  private stop(reason: unknown): void {
    clearTimeout(this.timer);
    this.abortReason = { reason };
    this.list.remove(this);
    this.controller?.abort(reason as Error);
    this.reject(reason);
  }
}
