import { crc32 } from "node:zlib";
import { StorageError } from "../../storage-error.js";

/**
 * The on-disk format of a log index (`log/<writer>.idx`), version 1: a 16-byte header (magic
 * `SCCLIDX1`, u32 version, u32 zero), then fixed 64-byte entries appended strictly in order,
 * little endian:
 *
 *   kind u8 (1 block, 2 tombstone) | 3 zero bytes | crc32 u32 | offset u64 | length u64 |
 *   sha256 32 bytes | seq u64
 *
 * The crc is zlib's crc32 of the whole entry with the crc field zeroed. Fixed-size entries let a
 * reader stop at the first short or crc-failing one (a torn tail) and resume there later.
 */
export const INDEX_MAGIC = Buffer.from("SCCLIDX1", "latin1");
export const INDEX_FORMAT_VERSION = 1;
export const HEADER_BYTES = 16;
export const ENTRY_BYTES = 64;

/** Entry kinds: a block's bytes, or a tombstone that kills the digest's older entries. */
export const BLOCK = 1;
export const TOMBSTONE = 2;
export type EntryKind = typeof BLOCK | typeof TOMBSTONE;

export interface IndexEntry {
  readonly kind: EntryKind;
  /** Where the block's bytes start in the pair's segment (0 for a tombstone). */
  readonly offset: number;
  readonly length: number;
  readonly digest: Buffer;
  /** Orders entries store-wide (a Lamport counter across writers). */
  readonly seq: number;
}

export function encodeHeader(): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  INDEX_MAGIC.copy(header, 0);
  header.writeUInt32LE(INDEX_FORMAT_VERSION, 8);
  return header;
}

/**
 * Checks an index file's header. False while the file is shorter than a header (a writer that has
 * just created it); throws E_STORE_FROM_FUTURE for a newer version, E_LOCAL_IO for anything that
 * is no index of ours.
 */
export function checkHeader(bytes: Uint8Array, file: string): boolean {
  if (bytes.byteLength < HEADER_BYTES) return false;
  const header = Buffer.from(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (!header.subarray(0, 8).equals(INDEX_MAGIC)) {
    throw new StorageError("E_LOCAL_IO", `the local store's index ${file} is not an index of this store (bad magic); move it out of the store's log directory`, {
      details: { file },
    });
  }
  const version = header.readUInt32LE(8);
  if (version > INDEX_FORMAT_VERSION) {
    throw new StorageError(
      "E_STORE_FROM_FUTURE",
      `the local store's index ${file} has format version ${version}, newer than ${INDEX_FORMAT_VERSION} which this release reads; nothing was read or written (upgrade, or use another store directory)`,
      { details: { file, version, supported: INDEX_FORMAT_VERSION } },
    );
  }
  if (version < 1) {
    throw new StorageError("E_LOCAL_IO", `the local store's index ${file} has format version ${version}, which no release wrote`, { details: { file, version } });
  }
  return true;
}

/** Writes `entry` into `into` at `at` (64 bytes), crc included. */
export function encodeEntry(entry: IndexEntry, into: Buffer, at: number): void {
  const slot = into.subarray(at, at + ENTRY_BYTES);
  slot.fill(0);
  slot.writeUInt8(entry.kind, 0);
  slot.writeBigUInt64LE(BigInt(entry.offset), 8);
  slot.writeBigUInt64LE(BigInt(entry.length), 16);
  entry.digest.copy(slot, 24, 0, 32);
  slot.writeBigUInt64LE(BigInt(entry.seq), 56);
  slot.writeUInt32LE(crc32(slot), 4);
}

/**
 * Decodes whole entries from `bytes` (which starts on an entry boundary) up to the first short or
 * invalid one; `consumed` is how many bytes the valid ones span, where the next read resumes.
 */
export function decodeEntries(bytes: Buffer): { entries: IndexEntry[]; consumed: number } {
  const entries: IndexEntry[] = [];
  let at = 0;
  while (at + ENTRY_BYTES <= bytes.byteLength) {
    const entry = decodeEntry(Buffer.from(bytes.subarray(at, at + ENTRY_BYTES)));
    if (entry === undefined) break;
    entries.push(entry);
    at += ENTRY_BYTES;
  }
  return { entries, consumed: at };
}

/** One entry, or undefined when its crc or its fixed fields say it is torn (never trusted past that). */
function decodeEntry(slot: Buffer): IndexEntry | undefined {
  const stored = slot.readUInt32LE(4);
  slot.writeUInt32LE(0, 4);
  if (crc32(slot) !== stored) return undefined;
  const kind = slot.readUInt8(0);
  if ((kind !== BLOCK && kind !== TOMBSTONE) || slot[1] !== 0 || slot[2] !== 0 || slot[3] !== 0) return undefined;
  const offset = slot.readBigUInt64LE(8);
  const length = slot.readBigUInt64LE(16);
  const seq = slot.readBigUInt64LE(56);
  // Beyond 2^53 is no offset, length or counter this store writes: treat as torn rather than round.
  if (offset > BigInt(Number.MAX_SAFE_INTEGER) || length > BigInt(Number.MAX_SAFE_INTEGER) || seq > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { kind: kind as EntryKind, offset: Number(offset), length: Number(length), digest: Buffer.from(slot.subarray(24, 56)), seq: Number(seq) };
}
