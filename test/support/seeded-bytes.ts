/**
 * Deterministic pseudo-random bytes from a seed, for property tests: the seed comes from
 * fast-check, so a failure replays from the seed it prints (bytes from randomBytes would differ).
 */
export function seededBytes(seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Stream parameters (key, nonce prefix) from a seed, so a property replays the very ciphertext from the seed it prints. */
export function seededParams(seed: number, chunkSize: number): { key: Buffer; noncePrefix: Buffer; chunkSize: number } {
  return { key: seededBytes(seed ^ 0x5eed, 32), noncePrefix: seededBytes(seed ^ 0xface, 7), chunkSize };
}
