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

export function clusters(inputs: readonly Input[], o: { maxClusters: number; textChars: number }): Clusters {
  const texts = new Map<string, string>();
  for (const input of inputs) for (const rec of input.records) if (!texts.has(rec.id)) texts.set(rec.id, recordText(rec));
  const all: Cluster[] = [];
  for (const input of inputs) {
    if (input.kind !== "prompts" && input.kind !== "pairs") continue;
    for (const rec of input.records) {
      if (!Array.isArray(rec.duplicates) || rec.duplicates.length === 0) continue;
      const members = rec.duplicates.filter(isObject).map((d) => {
        const text = texts.get(String(d.id));
        return {
          id: String(d.id),
          similarity: typeof d.similarity === "number" ? d.similarity : null,
          source: sourceText(d.source),
          text: text === undefined ? null : truncate(text, o.textChars),
        };
      });
      all.push({ stage: input.stage, id: rec.id, text: truncate(recordText(rec), o.textChars), members });
    }
  }
  return { list: all.slice(0, o.maxClusters), total: all.length, removed: all.reduce((s, c) => s + c.members.length, 0) };
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
