/**
 * What can be checked of the memo's LMDB file before it is memory-mapped.
 * lmdb-js trusts the file: a truncated one dies with SIGBUS on first access
 * and a damaged header with SIGSEGV, both with no message. So the two meta
 * pages are read with plain file reads first — magic, page size, last page and
 * tree roots — and the file must be long enough to hold every page they name.
 * (Damage deep inside a data page is lmdb's to find; it raises an error there.)
 *
 * Layout (LMDB 0.9 and 1.0): page 0 and page 1 each hold a meta record after
 * the page header (16 bytes in 0.9, 24 in 1.0): magic, version, address,
 * map size, the free and main trees (48 bytes each: the free tree's first
 * field is the page size, each tree's root is its last), last page, txn id.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";

const MAGIC = 0xbeefc0de;
const HEADER_SIZES = [16, 24];
/** Offsets inside a meta record, from its magic. */
const PAGE_SIZE_AT = 24;
const FREE_ROOT_AT = 24 + 40;
const MAIN_ROOT_AT = 24 + 48 + 40;
const LAST_PAGE_AT = 24 + 96;
const META_SIZE = LAST_PAGE_AT + 16;
const NO_PAGE = 0xffff_ffff_ffff_ffffn;

/** Why the LMDB file at `path` cannot be opened safely, or undefined when it looks sound (or does not exist yet). */
export function memoFileProblem(path: string): string | undefined {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return undefined; // a new memo
  }
  if (size === 0) return undefined; // lmdb initialises an empty file
  const head = readAt(path, 0, Math.min(size, 64 * 1024));
  const headerSize = HEADER_SIZES.find((h) => head.length >= h + META_SIZE && head.readUInt32LE(h) === MAGIC);
  if (headerSize === undefined) return "its first page is not an LMDB meta page";
  const pageSize = head.readUInt32LE(headerSize + PAGE_SIZE_AT);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `its page size (${pageSize}) is not a valid one`;
  if (size % pageSize !== 0) return `its size (${size} bytes) is not a whole number of ${pageSize}-byte pages: it was truncated`;
  const pages = size / pageSize;
  if (pages < 2) return "it is shorter than its two meta pages: it was truncated";
  for (const page of [0, 1]) {
    const meta = readAt(path, page * pageSize + headerSize, META_SIZE);
    if (meta.length < META_SIZE || meta.readUInt32LE(0) !== MAGIC) return `its meta page ${page} is damaged`;
    const last = meta.readBigUInt64LE(LAST_PAGE_AT);
    if (last >= BigInt(pages)) return `it holds ${pages} pages but names page ${last}: it was truncated`;
    for (const at of [FREE_ROOT_AT, MAIN_ROOT_AT]) {
      const root = meta.readBigUInt64LE(at);
      if (root !== NO_PAGE && root > last) return `its meta page ${page} names a tree root (${root}) past its last page (${last})`;
    }
  }
  return undefined;
}

function readAt(path: string, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    return buf.subarray(0, readSync(fd, buf, 0, length, position));
  } finally {
    closeSync(fd);
  }
}
