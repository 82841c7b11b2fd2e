/** The nginx test server itself: WebDAV PUT creates folders, GET serves, a missing entry is a 404, a restart keeps entries. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nginxAvailable, startNginx, type Nginx } from "../support/nginx.js";

describe.skipIf(!nginxAvailable())("nginx remote-cache server", () => {
  let n: Nginx;
  beforeAll(async () => {
    n = await startNginx();
  });
  afterAll(() => n?.close());

  it("stores with PUT, serves with GET, answers 404 for a miss, and keeps entries across a restart", async () => {
    expect((await fetch(`${n.url}/ns/cas/abc`, { method: "PUT", body: "hello" })).status).toBe(201);
    const got = await fetch(`${n.url}/ns/cas/abc`);
    expect([got.status, await got.text()]).toEqual([200, "hello"]);
    expect((await fetch(`${n.url}/ns/ac/missing`)).status).toBe(404);
    expect([...n.entries().keys()]).toEqual(["ns/cas/abc"]);
    await n.stop();
    await expect(fetch(`${n.url}/ns/cas/abc`)).rejects.toThrow();
    await n.restart();
    expect(await (await fetch(`${n.url}/ns/cas/abc`)).text()).toBe("hello");
  });
});
