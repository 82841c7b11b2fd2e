/**
 * One HTTP POST over undici's dispatch API, its whole reply collected as text.
 *
 * Why not `dispatcher.request()`: it wraps every reply in a Readable stream
 * and hangs one abort listener per request on the signal. At thousands of
 * calls a second both turned into garbage collection pauses that delayed every
 * request in flight (bench/RESULTS.md). Here a reply is a list of chunks, and
 * the posts of one signal sit in an intrusive list that a single abort
 * listener walks, so a post costs one object and no listener.
 */
import type { Dispatcher } from "undici";
import { IntrusiveList, type Linked } from "./intrusive-list.js";

/** Where posts go: fixed per endpoint, so nothing is built per post. */
export interface PostTarget {
  dispatcher: Dispatcher;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Every header sent, content type and credentials included. */
  headers: Record<string, string>;
  /** Longest wait for the reply's headers, and between chunks of its body. */
  timeoutMs: number;
}

/** Header names in lower case, as undici hands them over. */
export type ReplyHeaders = Record<string, string | string[] | undefined>;

export interface PostReply {
  status: number;
  headers: ReplyHeaders;
  text: string;
}

/** Resolves with the reply, whatever its status; rejects on network errors, timeouts, or with the signal's reason when it aborts. */
export function post(target: PostTarget, body: string, signal: AbortSignal): Promise<PostReply> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const exchange = new Exchange(inFlightOf(signal), resolve, reject);
    const { dispatcher, path, headers, timeoutMs } = target;
    dispatcher.dispatch({ method: "POST", path, headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }, exchange);
  });
}

/** A post in progress: undici's handler for it, and a node of its signal's in-flight list. */
class Exchange implements Dispatcher.DispatchHandler, Linked<Exchange> {
  prev?: Exchange;
  next?: Exchange;
  private controller?: Dispatcher.DispatchController;
  private abortReason?: { reason: unknown };
  private status = 0;
  private headers: ReplyHeaders = {};
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly list: InFlight,
    private readonly resolve: (reply: PostReply) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    list.push(this);
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
    this.list.remove(this);
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString("utf8") : Buffer.concat(this.chunks).toString("utf8");
    this.resolve({ status: this.status, headers: this.headers, text });
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.list.remove(this);
    this.reject(error);
  }

  abort(reason: unknown): void {
    this.abortReason = { reason };
    this.list.remove(this);
    this.controller?.abort(reason as Error);
    this.reject(reason);
  }
}

/** The posts of one signal still waiting for their reply. */
type InFlight = IntrusiveList<Exchange>;

const lists = new WeakMap<AbortSignal, InFlight>();

function inFlightOf(signal: AbortSignal): InFlight {
  let list = lists.get(signal);
  if (!list) {
    const fresh: InFlight = new IntrusiveList();
    signal.addEventListener("abort", () => {
      for (const exchange of fresh) exchange.abort(signal.reason);
    }, { once: true });
    lists.set(signal, fresh);
    list = fresh;
  }
  return list;
}
