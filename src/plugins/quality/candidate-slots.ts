/**
 * Candidate id → slot (0, 1, 2, … in order of first sight), compact for the
 * pipeline's ids. A Map keyed by string costs about 110 bytes an entry (the
 * entry and the id string it keeps alive), 190 MB at 1.7 million candidates.
 * Candidate ids are 16 lowercase hex digits (a sha256 prefix), i.e. a 64-bit
 * number: those go into an open-addressing table of two 32-bit halves and a
 * slot, 12 bytes a bucket at most half full. Any other id (a pair without
 * candidate ids gets `<pair id>:chosen`) goes into a Map, so every string id is
 * still one distinct candidate: the hex form is one-to-one with its number.
 */
export class CandidateSlots {
  private readonly others = new Map<string, number>();
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  /** Per bucket: its id's slot + 1, or 0 when empty. */
  private slotPlusOne = new Int32Array(1024);
  private hexIds = 0;
  size = 0;

  /** The id's slot, given the next one when the id is new. */
  slotOf(id: string): number {
    if (id.length !== 16 || !parseHex(id)) {
      let slot = this.others.get(id);
      if (slot === undefined) this.others.set(id, (slot = this.size++));
      return slot;
    }
    const bucket = this.find(parsed.hi, parsed.lo);
    if (this.slotPlusOne[bucket] !== 0) return this.slotPlusOne[bucket]! - 1;
    const slot = this.size++;
    this.place(bucket, parsed.hi, parsed.lo, slot);
    if (++this.hexIds * 2 > this.slotPlusOne.length) this.grow();
    return slot;
  }

  /** The bucket holding (hi, lo), or the empty one where it belongs (linear probing). */
  private find(hi: number, lo: number): number {
    const mask = this.slotPlusOne.length - 1;
    for (let b = hash(hi, lo) & mask; ; b = (b + 1) & mask) {
      if (this.slotPlusOne[b] === 0 || (this.hi[b] === hi && this.lo[b] === lo)) return b;
    }
  }

  private place(bucket: number, hi: number, lo: number, slot: number): void {
    this.hi[bucket] = hi;
    this.lo[bucket] = lo;
    this.slotPlusOne[bucket] = slot + 1;
  }

  private grow(): void {
    const [hi, lo, slot] = [this.hi, this.lo, this.slotPlusOne];
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.slotPlusOne = new Int32Array(slot.length * 2);
    for (let b = 0; b < slot.length; b++) if (slot[b] !== 0) this.place(this.find(hi[b]!, lo[b]!), hi[b]!, lo[b]!, slot[b]! - 1);
  }
}

/** The halves of the last id `parseHex` accepted (no object per call). */
const parsed = { hi: 0, lo: 0 };

/** Reads 16 lowercase hex digits into `parsed`; false for anything else. */
function parseHex(id: string): boolean {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 16; i++) {
    const c = id.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return false;
    if (i < 8) hi = hi * 16 + digit;
    else lo = lo * 16 + digit;
  }
  parsed.hi = hi;
  parsed.lo = lo;
  return true;
}

/** Mixes both halves (ids need not be random: a user's own hex ids may count up). */
function hash(hi: number, lo: number): number {
  let h = Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
