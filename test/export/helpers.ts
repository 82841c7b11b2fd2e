/** Runs export/iterations on the AlpacaEval pairs and gives its published files as text. */
import type { Rec } from "../../src/engine/plugin.js";
import plugin from "../../src/plugins/export/iterations.js";
import { runPlugin, type PluginRun } from "../support/run-plugin.js";
import { alpacaPairs } from "./alpaca-pairs.js";

export interface ExportRun extends PluginRun {
  files: Map<string, string>;
  /** The published file, which must exist. */
  file(path: string): string;
  /** The published JSONL file's rows. */
  rows(path: string): Record<string, unknown>[];
}

export async function runExport(
  withBlock: Record<string, unknown>,
  o: { pairs?: Rec[]; jobs?: number; seed?: number; root?: string; stagePlugins?: Record<string, string> } = {},
): Promise<ExportRun> {
  const run = await runPlugin(plugin, { with: withBlock, inputs: { pairs: o.pairs ?? alpacaPairs() }, jobs: o.jobs, seed: o.seed, root: o.root, stagePlugins: o.stagePlugins });
  const files = new Map([...run.published].map(([p, c]) => [p, Buffer.from(c).toString("utf8")]));
  const file = (path: string) => {
    const text = files.get(path);
    if (text === undefined) throw new Error(`${path} was not published; published: ${[...files.keys()].join(", ")}`);
    return text;
  };
  const rows = (path: string) =>
    file(path)
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...run, files, file, rows };
}

export const byId = (pairs: Rec[]) => new Map(pairs.map((p) => [p.id, p]));
