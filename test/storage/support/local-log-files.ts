/**
 * The log store's index format (v1) read and written independently of the store's own code, so
 * the tests check the files against the specification rather than against the code under test.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";

export const HEADER_BYTES = 16;
export const ENTRY_BYTES = 64;

export interface SpecEntry {
  kind: number;
  offset: number;
  length: number;
  digestHex: string;
  seq: number;
}

/** A 16-byte index header: magic `SCCLIDX1`, u32 version, u32 zero. */
export function indexHeader(version: number, magic = "SCCLIDX1"): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(magic, 0, "latin1");
  header.writeUInt32LE(version, 8);
  return header;
}

/** One 64-byte entry with its crc. */
export function indexEntry(entry: SpecEntry): Buffer {
  const slot = Buffer.alloc(ENTRY_BYTES);
  slot[0] = entry.kind;
  slot.writeBigUInt64LE(BigInt(entry.offset), 8);
  slot.writeBigUInt64LE(BigInt(entry.length), 16);
  Buffer.from(entry.digestHex, "hex").copy(slot, 24);
  slot.writeBigUInt64LE(BigInt(entry.seq), 56);
  slot.writeUInt32LE(crc32(slot), 4);
  return slot;
}

/** The valid entries of an index file's bytes, up to the first short or crc-failing one. */
export function parseIndex(bytes: Buffer): SpecEntry[] {
  const entries: SpecEntry[] = [];
  for (let at = HEADER_BYTES; at + ENTRY_BYTES <= bytes.byteLength; at += ENTRY_BYTES) {
    const slot = Buffer.from(bytes.subarray(at, at + ENTRY_BYTES));
    const crc = slot.readUInt32LE(4);
    slot.writeUInt32LE(0, 4);
    if (crc32(slot) !== crc) break;
    entries.push({
      kind: slot[0] as number,
      offset: Number(slot.readBigUInt64LE(8)),
      length: Number(slot.readBigUInt64LE(16)),
      digestHex: slot.subarray(24, 56).toString("hex"),
      seq: Number(slot.readBigUInt64LE(56)),
    });
  }
  return entries;
}

/** Every writer's index under `<store>/log`, by writer id. */
export function indexesOf(store: string): Map<string, SpecEntry[]> {
  const out = new Map<string, SpecEntry[]>();
  let names: string[];
  try {
    names = readdirSync(join(store, "log"));
  } catch {
    return out;
  }
  for (const name of names.filter((n) => n.endsWith(".idx"))) out.set(name.slice(0, -4), parseIndex(readFileSync(join(store, "log", name))));
  return out;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Reads a whole get body. */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}
