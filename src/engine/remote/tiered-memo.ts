/**
 * The item memo with the remote cache behind it: `get` stays the local,
 * synchronous lookup; `fetch` asks the remote after a local miss and keeps
 * what it finds locally; every `put` (a finished item) is stored locally,
 * then queued for upload — the build never waits on the remote.
 */
import type { Digest } from "../hash.js";
import type { MemoStore } from "../memo.js";
import type { RemoteCache } from "./remote-cache.js";

export function tieredMemo(local: MemoStore, remote: RemoteCache): MemoStore {
  return {
    get: (key) => local.get(key),
    fetch: async (key: Digest) => {
      const found = await remote.memoValue(key);
      if (!found) return undefined;
      await local.put(key, found.value);
      return found.value;
    },
    put: async (key, value) => {
      await local.put(key, value);
      remote.uploadMemo(key, value);
    },
    keys: () => local.keys(),
    remove: (key) => local.remove(key),
    close: () => local.close(),
  };
}
