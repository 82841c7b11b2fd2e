/**
 * A stand-in for export/iterations: publishes `<name>/train.jsonl` (one line
 * per pair, nested slices) and a manifest listing it, and yields membership
 * records like the real export's, so command/run runs on real out/ folders.
 */
import commandRun from "../../src/plugins/command/run.js";
import { definePlugin, type Plugin, type Rec } from "../../src/engine/plugin.js";
import { Harness } from "../support/harness.js";

interface FakeExportWith {
  /** Iteration name → training pairs. */
  iterations: Record<string, number>;
  /** Added to every line: a different value changes the data files, not the records. */
  flavour: string;
}

export const fakeExport: Plugin = definePlugin<FakeExportWith>({
  name: "test/iterations",
  version: "1",
  description: "publishes nested iteration folders",
  output: "memberships",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      iterations: { type: "object", additionalProperties: { type: "integer" }, description: "name → pairs" },
      flavour: { type: "string", default: "", description: "added to every line" },
    },
  },
  run(ctx) {
    const its = Object.entries(ctx.with.iterations);
    const most = Math.max(0, ...its.map(([, n]) => n));
    for (const [name, n] of its) {
      const train = Array.from({ length: n }, (_, i) => JSON.stringify({ pair: i, flavour: ctx.with.flavour })).join("\n") + "\n";
      ctx.publish(`${name}/train.jsonl`, train);
      ctx.publish(`${name}/manifest.json`, JSON.stringify({ name, files: { "train.jsonl": { kind: "trl", split: "train", rows: n } } }));
    }
    const records: Rec[] = [];
    for (let i = 0; i < most; i++) records.push({ id: `p${i}`, split: "train", iterations: its.filter(([, n]) => i < n).map(([name]) => name) });
    return records;
  },
});

/**
 * A script that counts its runs in runs.txt, reads the iteration's train.jsonl
 * and writes metrics. POSIX sh, not node: it starts in a millisecond.
 */
export const PROBE_SCRIPT = `dir=$1; iteration=$2
echo "$iteration" >> runs.txt
rows=$(wc -l < "$dir/train.jsonl" | tr -d ' ')
echo "training on $rows rows, MODE=$MODE"
echo "a note on stderr" >&2
printf '{"eval":{"accuracy":0.0%s,"n":%s},"ci":[0.1,0.9],"note":"text"}' "$rows" "$rows" > "$dir/metrics.json"
`;

export function commandProject(stage: string, iterations = "{ iter-a: 3, iter-b: 5 }", flavour = ""): string {
  return `version: 1
project: t
seed: 1
stages:
  export:
    uses: test/iterations
    with: { iterations: ${iterations}, flavour: "${flavour}" }
${stage}`;
}

export function commandHarness(files: Record<string, string>): Harness {
  return new Harness({ "scripts/probe.sh": PROBE_SCRIPT, ...files }, { "test/iterations": fakeExport, "command/run": commandRun });
}

export const runsOf = (h: Harness): string[] => {
  try {
    return h.read("runs.txt").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};
