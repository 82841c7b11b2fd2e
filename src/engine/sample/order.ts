/**
 * The project's sample order: one seeded order over the records of the root
 * stages (the stages that need nothing, e.g. a prompt source). A build can
 * admit only the first K records of it (`admit`), so a first iteration is
 * built from the first prompts alone; growing K admits more without changing
 * where the earlier ones stand. Plugins that must not let a later record
 * displace an earlier one (an export's slices, dedup's keep rule) order by
 * `rank`. The engine knows nothing of prompts: a root record is a record.
 */
import { createHash } from "node:crypto";

export interface SampleOrder {
  /** The sort key of a root record id (smaller first): sha256 of the project seed and the id, hex. */
  rank(id: string): string;
  /** Root records this build admits: all of them (`total`) unless the build is admission-limited. */
  readonly admitted: number;
  readonly total: number;
  /** 1-based place of a root record id in the order of all root records; undefined for an id that is not one. */
  position(id: string): number | undefined;
}

export function sampleRank(seed: number, id: string): string {
  return createHash("sha256").update(`dpo-sample\0${seed}\0${id}`).digest("hex");
}

/** Root record ids in sample order (ties, i.e. the same id twice, collapse). */
export function sampleOrderOf(seed: number, ids: Iterable<string>): string[] {
  const ranked = [...new Set(ids)].map((id) => ({ id, rank: sampleRank(seed, id) }));
  ranked.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.id < b.id ? -1 : 1));
  return ranked.map((r) => r.id);
}

/** The order over `ids`, admitting the first `admit` of them (all when undefined). */
export function sampleOrder(seed: number, ids: Iterable<string>, admit?: number): SampleOrder {
  const ordered = sampleOrderOf(seed, ids);
  const place = new Map(ordered.map((id, i) => [id, i + 1]));
  return {
    rank: (id) => sampleRank(seed, id),
    admitted: admit === undefined ? ordered.length : Math.min(admit, ordered.length),
    total: ordered.length,
    position: (id) => place.get(id),
  };
}

/** For contexts built outside a build (plugin tests): ranks work, nothing is known about the roots. */
export function unknownSample(seed: number): SampleOrder {
  return { rank: (id) => sampleRank(seed, id), admitted: 0, total: 0, position: () => undefined };
}

/** Is the build admitting fewer root records than there are? */
export function isLimited(s: Pick<SampleOrder, "admitted" | "total">): boolean {
  return s.admitted < s.total;
}
