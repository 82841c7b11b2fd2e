/**
 * Which iterations an export/iterations stage built, read from its records
 * (one per pair: `{split, iterations: [names]}`), smallest first — the order
 * the export cuts them in, so a training run on iter-0100 comes before the one
 * on iter-0500. Each iteration's folder is `out/<name>/`, where the export
 * published it; its data files are those its `manifest.json` lists with a split.
 */
import { sha256 } from "../../engine/hash.js";
import type { PluginContext, Rec } from "../../engine/plugin.js";

export interface BuiltIteration {
  name: string;
  /** Training pairs in it (its records with split "train"). */
  trainPairs: number;
}

/** Read as a stream: the memberships hold one record per pair, only the counts are kept. */
export async function builtIterations(records: Iterable<Rec> | AsyncIterable<Rec>): Promise<BuiltIteration[]> {
  const train = new Map<string, number>();
  for await (const r of records) {
    if (!Array.isArray(r.iterations)) continue;
    for (const name of r.iterations) {
      if (typeof name !== "string") continue;
      train.set(name, (train.get(name) ?? 0) + (r.split === "train" ? 1 : 0));
    }
  }
  return [...train]
    .map(([name, trainPairs]) => ({ name, trainPairs }))
    .sort((a, b) => a.trainPairs - b.trainPairs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

interface ManifestFiles {
  files?: Record<string, { split?: string | null }>;
}

/**
 * The iteration's data files (project-relative), each read through the
 * context so that its digest is recorded and a change to it makes the stage
 * stale; returns file name → sha256, for the memo key.
 */
export async function iterationDataFiles(ctx: Pick<PluginContext, "readFile" | "fail">, dir: string, exportStage: string): Promise<Record<string, string>> {
  const manifestPath = `${dir}/manifest.json`;
  let manifest: ManifestFiles;
  try {
    manifest = JSON.parse((await ctx.readFile(manifestPath)).toString("utf8")) as ManifestFiles;
  } catch (e) {
    return ctx.fail("/needs", `cannot read ${manifestPath} of stage "${exportStage}": ${(e as Error).message}`, "`needs` must name an export/iterations stage");
  }
  const files: Record<string, string> = {};
  for (const [name, entry] of Object.entries(manifest.files ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (entry.split === null || entry.split === undefined) continue; // reproducing inputs: project files, not data
    files[name] = sha256(await ctx.readFile(`${dir}/${name}`));
  }
  return files;
}
