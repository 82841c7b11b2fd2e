/**
 * One abort listener per signal, however many parties wait on it. A build's
 * signal is shared by thousands of calls; Node's EventTarget scans its
 * listener list on every add and remove, so one listener per call costs O(n²)
 * and warns about a leak. Here each signal gets a single listener that walks
 * an intrusive list of subscribers, so subscribing allocates nothing when the
 * subscriber is itself the node (as an HTTP post in flight is).
 */
import { IntrusiveList, type Linked } from "./intrusive-list.js";

/** A node of one signal's subscriber list; `aborted` is called at most once. */
export interface AbortSubscriber extends Linked<AbortSubscriber> {
  aborted(reason: unknown): void;
}

/** One signal's subscribers: removing a node unsubscribes it (removing twice is harmless). */
export type AbortSubscribers = IntrusiveList<AbortSubscriber>;

const lists = new WeakMap<AbortSignal, AbortSubscribers>();

/**
 * Subscribes `node` to `signal`'s abort and returns the list it joined, so the
 * caller can leave with `list.remove(node)` without another lookup. On a
 * signal already aborted, `node.aborted` runs at once.
 */
export function subscribe(signal: AbortSignal, node: AbortSubscriber): AbortSubscribers {
  if (signal.aborted) {
    node.aborted(signal.reason);
    return new IntrusiveList();
  }
  const list = lists.get(signal) ?? listen(signal);
  list.push(node);
  return list;
}

/** Calls `fn` once when `signal` aborts (at once if it already has); returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  const node: AbortSubscriber = { aborted: fn };
  const list = subscribe(signal, node);
  return () => list.remove(node);
}

function listen(signal: AbortSignal): AbortSubscribers {
  const list: AbortSubscribers = new IntrusiveList();
  lists.set(signal, list);
  signal.addEventListener(
    "abort",
    () => {
      // Take each node out before calling it, so a subscriber that unsubscribes others is never called after it.
      for (let node = list.first; node; node = list.first) {
        list.remove(node);
        node.aborted(signal.reason);
      }
    },
    { once: true },
  );
  return list;
}
