/**
 * Recoverable secp256k1 over keccak256, as Status signs: r ‖ s ‖ v, low s, v 0 or 1. Any 65 bytes
 * given as a signature come back as a key or a typed fault, never a throw from the curve code.
 */
import { fc, test } from "@fast-check/vitest";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import {
  CryptoError,
  keccak256,
  newSecretKey,
  publicKeyOf,
  recoverSigner,
  signDigest,
  SIGNATURE_BYTES,
} from "../../src/crypto/index.js";

const N = secp256k1.CURVE.n;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const fromBig = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
const big = (b: Uint8Array): bigint => BigInt(`0x${hex(b)}`);

/** A valid secret key from 32 random bytes (reduced into [1, n-1]). */
const secretKeyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => fromBig((big(b) % (N - 1n)) + 1n));
const digestArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

function withParts(signature: Uint8Array, r: bigint, s: bigint, v = signature[64] as number): Uint8Array {
  const out = new Uint8Array(SIGNATURE_BYTES);
  out.set(fromBig(r), 0);
  out.set(fromBig(s), 32);
  out[64] = v;
  return out;
}

describe("keccak256", () => {
  it("is Ethereum's keccak256 (not NIST SHA3-256)", () => {
    expect(hex(keccak256(new Uint8Array()))).toBe("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(hex(keccak256(new TextEncoder().encode("abc")))).toBe("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  });
});

describe("signDigest / recoverSigner", () => {
  test.prop([secretKeyArb, digestArb], { numRuns: 40 })("a signature recovers the compressed public key of the key that made it", (key, digest) => {
    const signature = signDigest(digest, key);
    expect(signature.length).toBe(SIGNATURE_BYTES);
    const signer = recoverSigner(digest, signature);
    expect(signer.ok && hex(signer.publicKey)).toBe(hex(publicKeyOf(key)));
    // The curve library agrees the compact part verifies under that key (low s).
    expect(secp256k1.verify(signature.subarray(0, 64), digest, publicKeyOf(key), { lowS: true, prehash: false })).toBe(true);
  });

  test.prop([secretKeyArb, digestArb], { numRuns: 40 })("every signature made is low-s with v 0 or 1, deterministic for a key and digest", (key, digest) => {
    const signature = signDigest(digest, key);
    expect(big(signature.subarray(32, 64)) <= N / 2n).toBe(true);
    expect([0, 1]).toContain(signature[64]);
    expect(hex(signDigest(digest, key))).toBe(hex(signature));
  });

  test.prop([digestArb, fc.uint8Array({ minLength: 0, maxLength: 80 })], { numRuns: 300 })(
    "any bytes as a signature give a key or a typed fault, never a throw",
    (digest, signature) => {
      const signer = recoverSigner(digest, signature);
      if (!signer.ok) expect(["length", "recovery-id", "r-out-of-range", "s-out-of-range", "high-s", "no-point"]).toContain(signer.fault);
      else expect(signer.publicKey.length).toBe(33);
    },
  );

  test.prop([secretKeyArb, digestArb], { numRuns: 20 })("a signature over one digest recovers another key for any other digest", (key, digest) => {
    const signature = signDigest(digest, key);
    const other = Uint8Array.from(digest);
    other[0] = (other[0] as number) ^ 1;
    const signer = recoverSigner(other, signature);
    expect(signer.ok && hex(signer.publicKey) === hex(publicKeyOf(key))).toBe(false);
  });

  it("reads a signature made by go-ethereum's crypto.Sign (which status-go signs with): its published test vector", () => {
    // go-ethereum crypto/signature_test.go: testmsg, testsig (r ‖ s ‖ v, v = 1) and testpubkeyc.
    const digest = Uint8Array.from(Buffer.from("ce0677bb30baa8cf067c88db9811f4333d131bf8bcf12fe7065d211dce971008", "hex"));
    const signature = Uint8Array.from(
      Buffer.from("90f27b8b488db00b00606796d2987f6a5f59ae62ea05effe84fef5b8b0e549984a691139ad57a3f0b906637673aa2f63d1f55cb1a69199d4009eea23ceaddc9301", "hex"),
    );
    const signer = recoverSigner(digest, signature);
    expect(signer.ok && hex(signer.publicKey)).toBe("02e32df42865e97135acfb65f3bae71bdc86f4d49150ad6a440b6f15878109880a");
  });

  it("names each malformed shape", () => {
    const key = newSecretKey();
    const digest = keccak256(new TextEncoder().encode("description"));
    const good = signDigest(digest, key);
    const r = big(good.subarray(0, 32));
    const s = big(good.subarray(32, 64));
    const fault = (sig: Uint8Array): string | undefined => {
      const signer = recoverSigner(digest, sig);
      return signer.ok ? undefined : signer.fault;
    };
    expect(fault(good.subarray(0, 64))).toBe("length");
    expect(fault(new Uint8Array(66))).toBe("length");
    expect(fault(withParts(good, r, s, 2))).toBe("recovery-id");
    expect(fault(withParts(good, r, s, 27))).toBe("recovery-id");
    expect(fault(withParts(good, 0n, s))).toBe("r-out-of-range");
    expect(fault(withParts(good, N, s))).toBe("r-out-of-range");
    expect(fault(withParts(good, r, 0n))).toBe("s-out-of-range");
    expect(fault(withParts(good, r, N))).toBe("s-out-of-range");
    // The malleable twin (n - s, the other recovery id) is a valid ECDSA signature: refused all the same.
    expect(fault(withParts(good, r, N - s, (good[64] as number) ^ 1))).toBe("high-s");
    // r = 5 is the x of no point of secp256k1 (5^3 + 7 = 132 is not a square mod p).
    expect(fault(withParts(good, 5n, s))).toBe("no-point");
  });

  it("refuses a malformed secret key or digest as E_CRYPTO_BAD_PARAMS without showing the key", () => {
    const digest = new Uint8Array(32);
    for (const key of [new Uint8Array(31), new Uint8Array(32), fromBig(N)]) {
      let error: unknown;
      try {
        signDigest(digest, key);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CryptoError);
      expect((error as CryptoError).code).toBe("E_CRYPTO_BAD_PARAMS");
      expect((error as Error).message).not.toContain(hex(key));
    }
    expect(() => signDigest(new Uint8Array(20), newSecretKey())).toThrow(CryptoError);
    expect(() => recoverSigner(new Uint8Array(20), new Uint8Array(65))).toThrow(CryptoError);
  });
});
