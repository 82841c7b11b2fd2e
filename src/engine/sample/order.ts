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

/**
 * The order over `ids`, admitting the first `admit` of them (all when
 * undefined). What is kept is each root's rank, not its id: the first 96 bits
 * of its sha256 as two 48-bit numbers, sorted (16 bytes a root; a map from
 * a million ids to their places held ~150 MB for the whole build). A place is
 * found by ranking the id asked about and searching. Two different ids whose
 * ranks share 96 bits — odds of 1 in 10^17 at a million roots — would count
 * as one root.
 */
export function sampleOrder(seed: number, ids: Iterable<string>, admit?: number): SampleOrder {
  const ranks = new RankTable(seed);
  for (const id of ids) ranks.add(id);
  return ranks.order(admit);
}

/** Root ranks collected one id at a time (a stored artifact streams its ids in), then sorted into a SampleOrder. */
export class RankTable {
  private high: Float64Array = new Float64Array(1024);
  private low: Float64Array = new Float64Array(1024);
  private size = 0;

  constructor(private readonly seed: number) {}

  add(id: string): void {
    if (this.size === this.high.length) {
      this.high = grown(this.high);
      this.low = grown(this.low);
    }
    const [high, low] = rankHalves(sampleRank(this.seed, id));
    this.high[this.size] = high;
    this.low[this.size++] = low;
  }

  order(admit?: number): SampleOrder {
    const { high, low } = this.sorted();
    const seed = this.seed;
    const total = high.length;
    return {
      rank: (id) => sampleRank(seed, id),
      admitted: admit === undefined ? total : Math.min(admit, total),
      total,
      position(id) {
        const [h, l] = rankHalves(sampleRank(seed, id));
        const at = lowerBound(high, low, h, l);
        return at < total && high[at] === h && low[at] === l ? at + 1 : undefined;
      },
    };
  }

  /** The ranks in order, each once (the same id twice is one root). */
  private sorted(): { high: Float64Array; low: Float64Array } {
    const { high, low } = this;
    const index = new Uint32Array(this.size);
    for (let i = 0; i < index.length; i++) index[i] = i;
    index.sort((a, b) => high[a]! - high[b]! || low[a]! - low[b]!);
    const outHigh = new Float64Array(index.length);
    const outLow = new Float64Array(index.length);
    let n = 0;
    for (const i of index) {
      if (n > 0 && outHigh[n - 1] === high[i] && outLow[n - 1] === low[i]) continue;
      outHigh[n] = high[i]!;
      outLow[n++] = low[i]!;
    }
    return { high: outHigh.slice(0, n), low: outLow.slice(0, n) };
  }
}

/**
 * The first 96 bits of a rank (hex) as two 48-bit numbers, ordered as the
 * rank strings are: what compact tables of ranks keep (this sample order,
 * dedup's entries).
 */
export function rankHalves(rank: string): [number, number] {
  return [parseInt(rank.slice(0, 12), 16), parseInt(rank.slice(12, 24), 16)];
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** The first place whose (high, low) is not below the one given. */
function lowerBound(high: Float64Array, low: Float64Array, h: number, l: number): number {
  let from = 0;
  let to = high.length;
  while (from < to) {
    const mid = (from + to) >>> 1;
    if (high[mid]! < h || (high[mid] === h && low[mid]! < l)) from = mid + 1;
    else to = mid;
  }
  return from;
}

/** For contexts built outside a build (plugin tests): ranks work, nothing is known about the roots. */
export function unknownSample(seed: number): SampleOrder {
  return { rank: (id) => sampleRank(seed, id), admitted: 0, total: 0, position: () => undefined };
}

/** Is the build admitting fewer root records than there are? */
export function isLimited(s: Pick<SampleOrder, "admitted" | "total">): boolean {
  return s.admitted < s.total;
}
