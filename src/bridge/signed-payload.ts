/**
 * The control node's signature on a payload message (SignedCommunityDescription, field 4;
 * CommunityDescriptionPointer, field 7): secp256k1 over keccak256 of the message's bytes with the
 * signature field left out (docs/bridge.md, Signatures). Signed and verified on bytes, never on a
 * decoded and re-encoded view, so what a newer writer added (fields this release does not know,
 * their order, their encoding) is covered as written and verifies as received.
 */
import { keccak256, recoverSigner, sameDigest, signDigest, type SignatureFault } from "../crypto/index.js";
import { withoutField, type FieldSplitFault } from "../wire/index.js";
import { BridgeError } from "./bridge-error.js";
import { withSecretKey } from "./secret-key.js";

/** The payload kinds that carry the control node's signature. */
export type SignedKind = "community-description" | "cd-pointer";

/** The signature's field number in each signed message (proto/status/storage/v*\/community.proto). */
export const SIGNATURE_FIELD: Readonly<Record<SignedKind, number>> = Object.freeze({
  "community-description": 4,
  "cd-pointer": 7,
});

/** Why a signed payload does not verify (details.fault of E_BRIDGE_SIGNATURE_INVALID). */
export type SignedPayloadFault = FieldSplitFault | SignatureFault | "other-signer";

function invalid(kind: SignedKind, fault: SignedPayloadFault, why: string): BridgeError {
  return new BridgeError("E_BRIDGE_SIGNATURE_INVALID", `${kind} signature does not verify: ${why}; the message is dropped`, {
    details: { kind, fault },
  });
}

/**
 * Signs an encoded payload message in place of its signature field, which the encoder wrote as a
 * 65-byte placeholder: keccak256 of the bytes without that field, signed, then written over the
 * placeholder. The result is the same length, every other byte untouched (a copy; `bytes` is not
 * changed). A `secretKey` that is no secp256k1 secret key is the RangeError naming it that `new
 * DescriptionPublisher` and the seals throw (withSecretKey: one check for all).
 */
export function signPayloadBytes(kind: SignedKind, bytes: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const split = withoutField(bytes, SIGNATURE_FIELD[kind]);
  if (!split.ok || split.value.length !== 65) {
    throw new TypeError(`signPayloadBytes: the ${kind} bytes must hold one 65-byte signature field (a placeholder) to sign over; got ${split.ok ? `${split.value.length} bytes` : split.fault}`);
  }
  const digest = keccak256(split.without);
  const signature = withSecretKey(secretKey, (key) => signDigest(digest, key));
  const out = Uint8Array.from(bytes);
  out.set(signature, split.valueOffset);
  return out;
}

/**
 * Checks the signature of a payload message as received: its one signature field taken out of
 * the bytes, keccak256 of the rest, the signer recovered and compared with `communityId` (the
 * decoded message's). Returns that digest (the message's identity whatever bytes its signature
 * is: two copies with the same digest say the same). Anything else is E_BRIDGE_SIGNATURE_INVALID
 * with details.fault; never a throw from the curve code.
 */
export function verifyPayloadBytes(kind: SignedKind, bytes: Uint8Array, communityId: Uint8Array): Uint8Array {
  const split = withoutField(bytes, SIGNATURE_FIELD[kind]);
  if (!split.ok) throw invalid(kind, split.fault, `its signature field is ${split.fault === "repeated" ? "there more than once" : split.fault}`);
  const digest = keccak256(split.without);
  const signer = recoverSigner(digest, split.value);
  if (!signer.ok) throw invalid(kind, signer.fault, `the signature is malformed (${signer.fault})`);
  if (!sameDigest(signer.publicKey, communityId)) throw invalid(kind, "other-signer", "it was signed by a key other than the community's");
  return digest;
}
