import { getEventListeners } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { post, type PostTarget } from "../../src/providers/http-post.js";
import { until } from "../support/until.js";

const open: { close(): Promise<unknown> | void }[] = [];
afterAll(async () => {
  for (const o of open.reverse()) await o.close();
});

/** A server whose handler decides how (and whether) to answer; counts requests. */
async function serve(
  answer: (res: ServerResponse, index: number) => void,
): Promise<{ target: (o?: Partial<PostTarget> & { connections?: number }) => PostTarget; requests: () => number }> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => answer(res, count++));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  open.push({ close: () => new Promise((r) => server.close(r)) });
  open.push({ close: () => server.closeAllConnections() });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    requests: () => count,
    target: ({ connections = 4, ...o } = {}) => {
      const dispatcher = new Pool(origin, { connections });
      open.push({ close: () => dispatcher.destroy() });
      return { dispatcher, path: "/post", headers: { "content-type": "text/plain" }, timeoutMs: 10_000, ...o };
    },
  };
}

const never = new AbortController().signal;

describe("post", () => {
  it("collects a reply sent in several chunks, multi-byte characters split across them", async () => {
    const text = "héllo wörld — 日本語 ✓";
    const bytes = Buffer.from(text);
    const s = await serve((res) => {
      res.writeHead(201, { "x-kind": "chunked" });
      res.write(bytes.subarray(0, 2)); // splits the two bytes of "é"
      setTimeout(() => {
        res.write(bytes.subarray(2, 20));
        setTimeout(() => res.end(bytes.subarray(20)), 5);
      }, 5);
    });
    const reply = await post(s.target(), "body", never);
    expect(reply).toEqual({ status: 201, headers: expect.objectContaining({ "x-kind": "chunked" }), text });
  });

  it("rejects with a deadline error when no reply comes in time", async () => {
    const s = await serve(() => {});
    await expect(post(s.target({ timeoutMs: 100 }), "x", never)).rejects.toMatchObject({ code: "DPO_POST_DEADLINE", timeoutMs: 100 });
  });

  it("bounds the whole exchange, not the gaps: a body that keeps trickling in is cut off at the deadline", async () => {
    const s = await serve((res) => {
      res.writeHead(200, { "content-length": "1000" });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write("x")), 10);
    });
    await expect(post(s.target({ timeoutMs: 200 }), "x", never)).rejects.toMatchObject({ code: "DPO_POST_DEADLINE" });
  });

  it("on abort, rejects posts on the wire and posts still queued in undici, at once, with the signal's reason", async () => {
    const s = await serve((res) => setTimeout(() => res.end("late"), 5_000));
    const target = s.target({ connections: 1 }); // the second post waits in undici's queue
    const controller = new AbortController();
    const started = performance.now();
    const posts = [post(target, "first", controller.signal), post(target, "second", controller.signal)].map((p) => p.catch((e: Error) => e.message));
    await until(() => s.requests() >= 1);
    controller.abort(new Error("stop"));
    expect(await Promise.all(posts)).toEqual(["stop", "stop"]);
    expect(performance.now() - started).toBeLessThan(2_000);
    // The queued one never reaches the server, and the pool is still usable for other signals.
    await new Promise((r) => setTimeout(r, 50));
    expect(s.requests()).toBe(1);
  });

  it("adds one abort listener per signal, not one per post in flight", async () => {
    const s = await serve((res) => setTimeout(() => res.end("ok"), 200));
    const controller = new AbortController();
    const target = s.target({ connections: 20 });
    const posts = Array.from({ length: 20 }, () => post(target, "x", controller.signal));
    await until(() => s.requests() >= 20);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    expect((await Promise.all(posts)).map((r) => r.text)).toEqual(Array(20).fill("ok"));
    await post(target, "x", controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
  });

  it("rejects at once when the signal has already aborted, and sends nothing", async () => {
    const s = await serve((res) => res.end("ok"));
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await expect(post(s.target(), "x", controller.signal)).rejects.toThrow("too late");
    expect(s.requests()).toBe(0);
  });
});
