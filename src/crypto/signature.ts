/**
 * Recoverable secp256k1 signatures over keccak256, as Status signs (status-go
 * `crypto.Sign(Keccak256(payload), key)`): 65 bytes r ‖ s ‖ v, v the recovery id 0 or 1, s in the
 * low half of the curve order. A receiver recovers the signer's public key from the signature and
 * compares it with the key it expects. Keys are never logged nor put in a message.
 */
import { createRequire } from "node:module";
import type * as Curves from "@noble/curves/secp256k1.js";
import { CryptoError } from "./crypto-error.js";
import { KECCAK256_BYTES } from "./keccak256.js";

/** r ‖ s ‖ v. */
export const SIGNATURE_BYTES = 65;
/** A compressed secp256k1 public key: 0x02 or 0x03, then x. */
export const PUBLIC_KEY_BYTES = 33;
export const SECRET_KEY_BYTES = 32;

/**
 * noble is loaded on first use (its CommonJS build, synchronously): importing it took 80-150 ms on
 * this project's 2-core machine, and every layer that imports crypto (the storage client, the CLI's
 * file commands) would pay it at start without ever signing.
 */
const load = createRequire(import.meta.url);
let curve: typeof Curves.secp256k1 | undefined;
const secp = (): typeof Curves.secp256k1 => (curve ??= (load("@noble/curves/secp256k1") as typeof Curves).secp256k1);

/** The order of secp256k1's group. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

/** A fresh random secret key (a community's control node key, in tests and tools). */
export function newSecretKey(): Uint8Array {
  return secp().utils.randomPrivateKey();
}

function checkSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_BYTES || !secp().utils.isValidPrivateKey(secretKey)) {
    // The key itself is never put in the message.
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `a secp256k1 secret key must be ${SECRET_KEY_BYTES} bytes, a number in [1, n-1]`, {
      details: { param: "secretKey" },
    });
  }
}

function checkDigest(digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== KECCAK256_BYTES) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `a digest to sign or recover from must be ${KECCAK256_BYTES} bytes (keccak256)`, {
      details: { param: "digest" },
    });
  }
}

/** The compressed public key (33 bytes) of `secretKey`: a community's id. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  checkSecretKey(secretKey);
  return secp().getPublicKey(secretKey, true);
}

/** Signs a 32-byte digest: r ‖ s ‖ v (RFC 6979 deterministic nonce, low s, v in {0, 1}). */
export function signDigest(digest: Uint8Array, secretKey: Uint8Array): Uint8Array {
  checkDigest(digest);
  checkSecretKey(secretKey);
  const sig = secp().sign(digest, secretKey, { lowS: true, prehash: false });
  const out = new Uint8Array(SIGNATURE_BYTES);
  out.set(sig.toCompactRawBytes(), 0);
  out[64] = sig.recovery;
  return out;
}

/** Why a signature recovers no key. */
export type SignatureFault =
  /** Not 65 bytes. */
  | "length"
  /** v is not 0 or 1 (2 and 3, r past the order, no honest signer produces; 27/28 is another encoding Status does not send). */
  | "recovery-id"
  /** r is 0 or not below the curve order. */
  | "r-out-of-range"
  /** s is 0 or not below the curve order. */
  | "s-out-of-range"
  /** s in the high half: the same signature's malleable twin, refused as Status's signer never makes it. */
  | "high-s"
  /** r is no point's x, or the recovered point is the identity. */
  | "no-point";

export type RecoveredSigner = { readonly ok: true; readonly publicKey: Uint8Array } | { readonly ok: false; readonly fault: SignatureFault };

function bigEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

/**
 * The compressed public key that signed `digest`, or why `signature` recovers none. Untrusted
 * signatures never make this throw: every shape noble would refuse is a fault here first, and a
 * throw left inside noble (a point that is not on the curve) is the `no-point` fault.
 */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array): RecoveredSigner {
  checkDigest(digest);
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return { ok: false, fault: "length" };
  const v = signature[64] as number;
  if (v !== 0 && v !== 1) return { ok: false, fault: "recovery-id" };
  const r = bigEndian(signature.subarray(0, 32));
  const s = bigEndian(signature.subarray(32, 64));
  if (r === 0n || r >= N) return { ok: false, fault: "r-out-of-range" };
  if (s === 0n || s >= N) return { ok: false, fault: "s-out-of-range" };
  if (s > HALF_N) return { ok: false, fault: "high-s" };
  try {
    const point = new (secp().Signature)(r, s, v).recoverPublicKey(digest);
    return { ok: true, publicKey: point.toRawBytes(true) };
  } catch {
    return { ok: false, fault: "no-point" };
  }
}
