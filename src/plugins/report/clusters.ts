/**
 * Duplicate clusters: each record a dedup stage kept that lists the records it
 * stood for (`duplicates`, docs/records.md), with the removed records' text
 * when another input still holds them (the stage before the dedup).
 */
import type { Rec } from "../../engine/plugin.js";
import { truncate } from "./escape.js";
import { isObject, promptText, type Input } from "./inputs.js";

export interface ClusterMember {
  id: string;
  similarity: number | null;
  /** `file:line`, when the removed record had a source. */
  source: string | null;
  /** Null when no input holds the removed record. */
  text: string | null;
}

export interface Cluster {
  stage: string;
  id: string;
  text: string;
  members: ClusterMember[];
}

export interface Clusters {
  list: Cluster[];
  /** Clusters found, before the cap. */
  total: number;
  removed: number;
}

/**
 * Two passes: the clusters (the first `maxClusters` kept, the rest counted),
 * then the texts of the shown clusters' members, each from the first input
 * (in `needs` order) holding it.
 */
export async function clusters(inputs: readonly Input[], o: { maxClusters: number; textChars: number }): Promise<Clusters> {
  const list: { stage: string; rec: Rec; duplicates: Record<string, unknown>[] }[] = [];
  let [total, removed] = [0, 0];
  for (const input of inputs) {
    if (input.kind !== "prompts" && input.kind !== "pairs") continue;
    for await (const rec of input.artifact.records()) {
      if (!Array.isArray(rec.duplicates) || rec.duplicates.length === 0) continue;
      const duplicates = rec.duplicates.filter(isObject);
      total++;
      removed += duplicates.length;
      if (list.length < o.maxClusters) list.push({ stage: input.stage, rec, duplicates });
    }
  }
  const texts = await textsOf(inputs, new Set(list.flatMap((c) => c.duplicates.map((d) => String(d.id)))));
  const shown = list.map(({ stage, rec, duplicates }) => ({
    stage,
    id: rec.id,
    text: truncate(recordText(rec), o.textChars),
    members: duplicates.map((d) => {
      const text = texts.get(String(d.id));
      return {
        id: String(d.id),
        similarity: typeof d.similarity === "number" ? d.similarity : null,
        source: sourceText(d.source),
        text: text === undefined ? null : truncate(text, o.textChars),
      };
    }),
  }));
  return { list: shown, total, removed };
}

/** The text of each of `ids`, from the first input holding it (candidates are not read: they hold answers, not records of their own). */
async function textsOf(inputs: readonly Input[], ids: ReadonlySet<string>): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const input of inputs) {
    if (texts.size === ids.size) break;
    if (input.kind === "candidates") continue;
    for await (const rec of input.artifact.records()) if (ids.has(rec.id) && !texts.has(rec.id)) texts.set(rec.id, recordText(rec));
  }
  return texts;
}

/** What a record says: its prompt, and for a pair the chosen answer too (what dedup on pairs compares). */
function recordText(rec: Rec): string {
  const prompt = promptText(rec.prompt);
  const chosen = isObject(rec.chosen) && typeof rec.chosen.text === "string" ? rec.chosen.text : undefined;
  return chosen === undefined ? prompt : `${prompt}\n→ ${chosen}`;
}

function sourceText(source: unknown): string | null {
  if (!isObject(source) || typeof source.file !== "string") return null;
  return typeof source.line === "number" ? `${source.file}:${source.line}` : source.file;
}
