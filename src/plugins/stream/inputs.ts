/**
 * Every input artifact's records in `needs` order, each with the stage it
 * came from: a stream, read again from the store on each call, so a stage
 * can take two passes (statistics first, then the per-record decision)
 * without holding its input.
 */
import type { Artifact, Rec } from "../../engine/plugin.js";

export interface FromStage {
  rec: Rec;
  stage: string;
}

export async function* inputRecords(inputs: Readonly<Record<string, Artifact>>): AsyncGenerator<FromStage> {
  for (const [stage, artifact] of Object.entries(inputs)) {
    for await (const rec of artifact.records()) yield { rec, stage };
  }
}

/** How many records the inputs hold together (known without reading them). */
export function inputCount(inputs: Readonly<Record<string, Artifact>>): number {
  return Object.values(inputs).reduce((n, a) => n + a.count, 0);
}
