/**
 * The two shared gold preference sets the offline judges are fitted and
 * benchmarked on (read from ../shared, never copied into the fit):
 * - alpaca: AlpacaEval's GPT-4 judge on alpaca-7b vs text-davinci-003 (a close pair);
 * - hh: Anthropic HH harmless-base test, human chosen/rejected.
 * Each item: { set, ask, prompt, a, b, y } with y = 1 when `a` is preferred,
 * 0 when `b` is (AlpacaEval ties, 1.5, and identical outputs are left out).
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** `../shared/data` from the project root, or from a folder above it (a git worktree sits one level deeper). */
export const SHARED = process.env.DPO_SHARED_DATA ?? sharedData();

function sharedData() {
  for (let dir = join(root, ".."); ; dir = join(dir, "..")) {
    if (existsSync(join(dir, "shared", "data"))) return join(dir, "shared", "data");
    if (dir === join(dir, "..")) throw new Error("../shared/data not found above the project; set DPO_SHARED_DATA");
  }
}
export const GOLD_FILES = {
  alpaca: join(SHARED, "alpaca_eval", "judges", "alpaca-7b.alpaca_eval_gpt4.jsonl"),
  hh: join(SHARED, "hh-rlhf", "harmless-base-test.jsonl.gz"),
};

export function loadAlpaca(file = GOLD_FILES.alpaca) {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .filter((r) => r.preference !== 1.5 && r.preference >= 1 && r.output_1 !== r.output_2)
    .map((r) => ({ set: "alpaca", ask: r.instruction, prompt: r.instruction, a: r.output_1, b: r.output_2, y: r.preference < 1.5 ? 1 : 0 }));
}

const TURN = /\n\n(Human|Assistant):/g;
function transcript(text) {
  const marks = [...text.matchAll(TURN)];
  return marks.map((m, i) => ({ role: m[1] === "Human" ? "user" : "assistant", content: text.slice(m.index + m[0].length, marks[i + 1]?.index ?? text.length).trim() }));
}
function split(text) {
  const msgs = transcript(text);
  let last = msgs.length - 1;
  while (last >= 0 && msgs[last].role !== "user") last--;
  return { prompt: msgs.slice(0, last + 1), reply: msgs.slice(last + 1).map((m) => m.content).join("\n\n") };
}

/**
 * HH pairs, with chosen and rejected put on sides a/b by a fixed alternation
 * (even lines chosen first), so a model cannot learn "a wins".
 */
export function loadHh(file = GOLD_FILES.hh) {
  const lines = gunzipSync(readFileSync(file)).toString("utf8").split("\n").filter((l) => l.trim());
  const out = [];
  lines.forEach((l, i) => {
    const r = JSON.parse(l);
    const c = split(r.chosen);
    const x = split(r.rejected);
    if (c.prompt.length === 0 || c.reply === x.reply) return;
    const ask = c.prompt.filter((m) => m.role === "user").at(-1)?.content ?? "";
    const chosenFirst = i % 2 === 0;
    out.push({ set: "hh", ask, prompt: c.prompt, a: chosenFirst ? c.reply : x.reply, b: chosenFirst ? x.reply : c.reply, y: chosenFirst ? 1 : 0 });
  });
  return out;
}

export function loadGoldSets() {
  return { alpaca: loadAlpaca(), hh: loadHh() };
}
