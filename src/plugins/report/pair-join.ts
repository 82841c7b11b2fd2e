/**
 * Every pair of the report's pairs stages, once, in id order, as the last
 * stage holding it has it, beside its export membership: a merge-join of the
 * id-sorted stages, so the report reads a million pairs holding one record
 * per stage.
 */
import type { Rec } from "../../engine/plugin.js";
import type { Input } from "./inputs.js";

export interface JoinedPair {
  id: string;
  /** The pair as the last stage holding it has it; undefined for a membership of no pair. */
  rec: Rec | undefined;
  /** Index (in largest-first order) of the last pairs stage holding it; -1 with no pair. */
  stage: number;
  membership: Rec | undefined;
}

/** `pairStages` largest first (orderPairStages), then the memberships stage if any. */
export async function* joinPairs(pairStages: readonly Input[], memberships: Input | null): AsyncGenerator<JoinedPair> {
  const streams = [...pairStages, ...(memberships ? [memberships] : [])].map((input) => new Cursor(input.artifact.records()[Symbol.asyncIterator]()));
  try {
    for (const s of streams) await s.advance();
    for (;;) {
      let id: string | undefined;
      for (const s of streams) if (s.head && (id === undefined || s.head.id < id)) id = s.head.id;
      if (id === undefined) return;
      const joined: JoinedPair = { id, rec: undefined, stage: -1, membership: undefined };
      for (let i = 0; i < streams.length; i++) {
        const rec = await streams[i]!.take(id);
        if (rec === undefined) continue;
        if (memberships && i === streams.length - 1) joined.membership = rec;
        else [joined.rec, joined.stage] = [rec, i];
      }
      yield joined;
    }
  } finally {
    for (const s of streams) await s.close();
  }
}

/** One sorted stream and its next record. */
class Cursor {
  head: Rec | undefined;
  constructor(private readonly it: AsyncIterator<Rec>) {}

  async advance(): Promise<void> {
    const next = await this.it.next();
    this.head = next.done ? undefined : next.value;
  }

  /** The last of this stream's records with `id` (a stage's later record wins, as it would in a map), if it is next. */
  async take(id: string): Promise<Rec | undefined> {
    let taken: Rec | undefined;
    while (this.head && this.head.id === id) {
      taken = this.head;
      await this.advance();
    }
    return taken;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}
