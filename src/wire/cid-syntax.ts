import { MAX_CID_CHARS, MIN_CID_CHARS } from "./limits.js";

const BASE58BTC = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** 1 for each base58btc character code, 0 elsewhere (256 entries so any byte indexes it). */
const IN_ALPHABET = new Uint8Array(256);
for (let i = 0; i < BASE58BTC.length; i++) IN_ALPHABET[BASE58BTC.charCodeAt(i)] = 1;
const Z = 0x7a;

/**
 * Whether `text` looks like a CID in base58btc multibase: "z" then base58btc characters, bounded
 * length. Syntax only; the storage layer parses the CID itself when it uses one.
 */
export function isCidSyntax(text: string): boolean {
  // A public predicate: a caller's null or bytes is "not a CID", not a TypeError.
  if (typeof text !== "string") return false;
  const n = text.length;
  if (n < MIN_CID_CHARS || n > MAX_CID_CHARS || text.charCodeAt(0) !== Z) return false;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || IN_ALPHABET[c] === 0) return false;
  }
  return true;
}

/** isCidSyntax on the encoded bytes of the string (base58btc is ASCII, so one byte per character). */
export function isCidBytes(bytes: Uint8Array): boolean {
  return isCidAt(bytes, 0, bytes.length);
}

/** isCidBytes on `buf[start..end)`, so a reader checks a CID where it lies in its input. */
export function isCidAt(buf: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n < MIN_CID_CHARS || n > MAX_CID_CHARS || buf[start] !== Z) return false;
  // No early exit: one AND per byte runs faster than a branch per byte, and valid CIDs are read in full anyway.
  let all = 1;
  for (let i = start + 1; i < end; i++) all &= IN_ALPHABET[buf[i] as number] as number;
  return all === 1;
}
