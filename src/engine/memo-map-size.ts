/**
 * How much address space to map for the memo file. 64 GiB up front (one
 * mapping, each page resident once; see memo.ts), but less where the process's
 * address space is limited (`ulimit -v`, common on shared clusters): lmdb-js
 * does not fail there, it crashes the process with a segmentation fault. Under
 * a limit the map takes a quarter of the address space still free, in a power
 * of two, so the heap and the worker threads can still grow (with half, the
 * example's build ran out of heap under `ulimit -v 3000000`). lmdb-js maps the
 * file again at twice the size if the memo outgrows it, which the limit may
 * not allow, so `MapRoom` stops the memo short of that with a clear error.
 */
import { readFileSync } from "node:fs";
import { userError } from "./diagnostic.js";

export const FULL_MAP_SIZE = 2 ** 36;
/** Less than this is not worth opening: the memo would be remapped almost at once. */
const MIN_MAP_SIZE = 2 ** 26;

/** The map size for this process; undefined on Windows, where LMDB sizes the file to the map. */
export function memoMapSize(): number | undefined {
  if (process.platform === "win32") return undefined;
  const free = freeAddressSpace();
  if (free === undefined) return FULL_MAP_SIZE;
  return mapSizeWithin(free);
}

/** The largest power of two up to FULL_MAP_SIZE within a quarter of `free` bytes; an error when that is under MIN_MAP_SIZE. */
export function mapSizeWithin(free: number): number {
  let size = FULL_MAP_SIZE;
  while (size > free / 4 && size > MIN_MAP_SIZE) size /= 2;
  if (size > free / 4) {
    throw userError(`the address space this process may use (\`ulimit -v\`) leaves ${Math.max(0, Math.floor(free / 2 ** 20))} MiB free: too little to map the item memo`, {
      hint: `raise the limit (\`ulimit -v unlimited\`, or at least ${Math.ceil((4 * MIN_MAP_SIZE) / 2 ** 20)} MiB more)`,
    });
  }
  return size;
}

/** Bytes of address space left under the soft limit, or undefined when there is no limit (or no /proc to read it from). */
function freeAddressSpace(): number | undefined {
  let limits: string;
  let status: string;
  try {
    limits = readFileSync("/proc/self/limits", "utf8");
    status = readFileSync("/proc/self/status", "utf8");
  } catch {
    return undefined;
  }
  const soft = /^Max address space\s+(\S+)/m.exec(limits)?.[1];
  if (soft === undefined || soft === "unlimited") return undefined;
  const usedKb = Number(/^VmSize:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  return Number(soft) - usedKb * 1024;
}

/** What MapRoom reads of the memo file: LMDB's page size and its highest page in use. */
export interface MapUse {
  pageSize: number;
  lastPageNumber: number;
}

/**
 * Under an address-space limit, refuses puts once the memo file fills nine
 * tenths of its map: past it lmdb-js would map the file again at twice the
 * size, which the limit may not allow, and crash. A clear error instead, with
 * every entry committed so far kept. Checked every CHECK_EVERY puts (a stats
 * call costs a few microseconds); a tenth of the smallest map is far more than
 * that many LLM replies hold.
 */
export class MapRoom {
  private static readonly CHECK_EVERY = 64;
  private puts = 0;
  constructor(
    private readonly mapSize: number,
    private readonly use: () => MapUse,
  ) {}

  /** Throws when the memo is nearly out of its map. */
  check(): void {
    if (++this.puts % MapRoom.CHECK_EVERY !== 0) return;
    const { pageSize, lastPageNumber } = this.use();
    if ((lastPageNumber + 1) * pageSize <= 0.9 * this.mapSize) return;
    throw userError(`the item memo has filled the ${Math.round(this.mapSize / 2 ** 20)} MiB of address space it may map under this process's limit (\`ulimit -v\`)`, {
      hint: "raise the limit (`ulimit -v unlimited`) and build again: every call memoised so far is kept",
    });
  }
}
