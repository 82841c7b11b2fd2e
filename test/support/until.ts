/** Polls `condition` until it holds; throws after `timeoutMs`, naming the condition. */
export async function until(condition: () => boolean, timeoutMs = 10_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still false after ${timeoutMs} ms: ${condition}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
