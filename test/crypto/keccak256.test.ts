/**
 * keccak256 is hash-wasm's WebAssembly keccak once loaded and noble's until then: both must give
 * Ethereum's keccak256 for every input, whatever its length (the rate is 136 bytes: 135, 136 and
 * 137 straddle the padding's edge) and wherever it lies in its buffer (the bridge hashes views).
 */
import { fc, test } from "@fast-check/vitest";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { beforeAll, describe, expect, it } from "vitest";
import { CryptoError, keccak256, keccak256Implementation, loadKeccak256, publicKeyOf, recoverSigner, signDigest } from "../../src/crypto/index.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** `length` bytes from `seed` (xorshift32), at `offset` inside a larger buffer. */
function bytesOf(length: number, seed: number, offset: number): Uint8Array {
  const buffer = new Uint8Array(offset + length + 7);
  let x = seed | 1;
  for (let i = 0; i < buffer.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buffer[i] = x & 0xff;
  }
  return buffer.subarray(offset, offset + length);
}

const DESCRIPTION_BYTES = 1_500_000;
const lengthArb = fc.oneof(
  { arbitrary: fc.constantFrom(0, 1, 135, 136, 137, 271, 272, 273), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 20_000 }), weight: 6 },
  { arbitrary: fc.integer({ min: DESCRIPTION_BYTES - 70_000, max: DESCRIPTION_BYTES + 70_000 }), weight: 1 },
);

describe("keccak256", () => {
  beforeAll(async () => {
    expect(await loadKeccak256()).toBe("wasm");
  });

  it("is Ethereum's keccak256 (not NIST SHA3-256), answered by WebAssembly once loaded", () => {
    expect(keccak256Implementation()).toBe("wasm");
    expect(hex(keccak256(new Uint8Array()))).toBe("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(hex(keccak256(new TextEncoder().encode("abc")))).toBe("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    // NIST SHA3-256("") for contrast: the padding differs.
    expect(hex(keccak256(new Uint8Array()))).not.toBe("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  });

  it("signs and recovers over its digest as over noble's: go-ethereum's vector and a 1.5 MB description", () => {
    // go-ethereum crypto/crypto_test.go: Keccak256("abc").
    const abc = new TextEncoder().encode("abc");
    expect(hex(keccak256(abc))).toBe(hex(keccak_256(abc)));
    const description = bytesOf(DESCRIPTION_BYTES, 7, 3);
    const digest = keccak256(description);
    expect(hex(digest)).toBe(hex(keccak_256(description)));
    const key = Uint8Array.from(Buffer.from("289c2857d4598e37fb9647507e47a309d6133539bf21a8b9cb6df88fd5232032", "hex"));
    const signer = recoverSigner(keccak_256(description), signDigest(digest, key));
    expect(signer.ok && hex(signer.publicKey)).toBe(hex(publicKeyOf(key)));
  });

  test.prop([lengthArb, fc.integer(), fc.integer({ min: 0, max: 15 })], { numRuns: 120 })(
    "gives noble's digest for any bytes of any length (0, the rate's edges 135-137, up to ~1.5 MB) at any offset in their buffer",
    (length, seed, offset) => {
      const bytes = bytesOf(length, seed, offset);
      const digest = keccak256(bytes);
      expect(digest).toBeInstanceOf(Uint8Array);
      expect(digest.length).toBe(32);
      expect(hex(digest)).toBe(hex(keccak_256(bytes)));
    },
  );

  it("hands out a digest of its own: a later hash does not change an earlier digest", () => {
    const first = keccak256(new Uint8Array(200));
    const copy = hex(first);
    keccak256(new Uint8Array(300).fill(1));
    expect(hex(first)).toBe(copy);
    expect(first.buffer.byteLength).toBe(32);
  });

  it("refuses anything but a Uint8Array as E_CRYPTO_BAD_PARAMS (hash-wasm would hash a string or any typed array)", () => {
    for (const bad of ["abc", new Uint16Array(4), new ArrayBuffer(4), null, [1, 2]]) {
      let caught: unknown;
      try {
        keccak256(bad as unknown as Uint8Array);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CryptoError);
      expect((caught as CryptoError).code).toBe("E_CRYPTO_BAD_PARAMS");
    }
    // A Buffer is a Uint8Array.
    expect(hex(keccak256(Buffer.from("abc")))).toBe("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  });

  it("loads once: every later loadKeccak256 gives the same answer", async () => {
    const [a, b] = await Promise.all([loadKeccak256(), loadKeccak256()]);
    expect([a, b]).toEqual(["wasm", "wasm"]);
  });
});
