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
  const n = bytes.length;
  if (n < MIN_CID_CHARS || n > MAX_CID_CHARS || bytes[0] !== Z) return false;
  for (let i = 1; i < n; i++) if (IN_ALPHABET[bytes[i] as number] === 0) return false;
  return true;
}
