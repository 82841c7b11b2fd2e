// The test LLM server in its own process, so it does not share the client's
// event loop. Loads the transpiled test/support/llm-server.ts given as argv[2];
// answers {cmd: "stats"|"reset"} over IPC and sends {baseUrl} once listening.
const { startLlmServer } = await import(process.argv[2]);
const latencyMs = Number(process.argv[3] ?? 20);
const server = await startLlmServer({ latencyMs, keepRequests: false });
process.on("message", async (msg) => {
  if (msg.cmd === "stats") process.send({ requestCount: server.requestCount, maxInFlight: server.maxInFlight, meanResidenceMs: server.meanResidenceMs });
  if (msg.cmd === "reset") {
    server.reset();
    process.send({ ok: true });
  }
  if (msg.cmd === "close") {
    await server.close();
    process.exit(0);
  }
});
process.send({ baseUrl: server.baseUrl });
