/**
 * The signal handed to undici for every request of one build: a single child
 * of the caller's signal, shared by all its requests. Each in-flight request
 * adds a listener to it, so it may hold up to `maxConcurrency` of them; the
 * caller's own signal keeps exactly one (and no leak warning is printed).
 */
import { setMaxListeners } from "node:events";

const children = new WeakMap<AbortSignal, AbortSignal>();

export function requestSignal(parent: AbortSignal): AbortSignal {
  let child = children.get(parent);
  if (!child) {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener("abort", () => controller.abort(parent.reason), { once: true });
    child = controller.signal;
    children.set(parent, child);
  }
  return child;
}
