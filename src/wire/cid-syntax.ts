import { MAX_CID_CHARS, MIN_CID_CHARS } from "./limits.js";

const BASE58BTC = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const IN_ALPHABET = new Uint8Array(128);
for (let i = 0; i < BASE58BTC.length; i++) IN_ALPHABET[BASE58BTC.charCodeAt(i)] = 1;

/**
 * Whether `text` looks like a CID in base58btc multibase: "z" then base58btc characters, bounded
 * length. Syntax only (a table lookup per character, on the hot path of every FileReference); the
 * storage layer parses the CID itself when it uses one.
 */
export function isCidSyntax(text: string): boolean {
  const n = text.length;
  if (n < MIN_CID_CHARS || n > MAX_CID_CHARS || text.charCodeAt(0) !== 0x7a /* z */) return false;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || IN_ALPHABET[c] === 0) return false;
  }
  return true;
}
