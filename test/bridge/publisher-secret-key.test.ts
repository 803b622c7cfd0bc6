/**
 * A secretKey DescriptionPublisher cannot use (wrong length, no Uint8Array, zero, not below the
 * curve's order) threw the crypto layer's CryptoError E_CRYPTO_BAD_PARAMS, a class the package
 * entry does not export, about "a secp256k1 secret key" and naming no option. The receiver refuses
 * a communityId that is no community's key with a RangeError naming what it must be, as the
 * bridge's other options are refused; the publisher now does the same for its key, never putting
 * the key's bytes in the message. sealCommunityDescription / sealCommunityDescriptionPointer (public
 * too) still threw that CryptoError for the same key: they now refuse it with the same RangeError.
 * signPayloadBytes (the signing step on encoded bytes, public as well) still threw the CryptoError:
 * it too refuses the key with that RangeError.
 */
import { describe, expect, test } from "vitest";
import {
  DescriptionPublisher,
  DescriptionReceiver,
  MemoryNetwork,
  sealCommunityDescription,
  sealCommunityDescriptionPointer,
  signPayloadBytes,
} from "../../src/bridge/index.js";
import { newSecretKey, publicKeyOf } from "../../src/crypto/index.js";
import { encodeCommunityDescriptionPointer, encodeSignedCommunityDescription } from "../../src/wire/index.js";
import { profileForRelease } from "../../src/versions/index.js";

const ORDER_BYTES = Uint8Array.from(Buffer.from("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "hex"));
const BAD_KEYS: [string, unknown][] = [
  ["31 bytes", newSecretKey().subarray(1)],
  ["33 bytes", new Uint8Array(33).fill(7)],
  ["zero", new Uint8Array(32)],
  ["the curve's order", ORDER_BYTES],
  ["all 0xff", new Uint8Array(32).fill(0xff)],
  ["hex text", "11".repeat(32)],
  ["undefined", undefined],
];

const POINTER = { clock: 1, cid: "zDvZRwzm1abcdefgh", contentHash: new Uint8Array(32), size: 3, expiresAt: 1_800_000_000 };

/** What `make` throws: whether a RangeError, and its message; undefined when it throws nothing. */
function refusal(make: () => unknown): { isRange: boolean; message: string } | undefined {
  try {
    make();
  } catch (error) {
    return { isRange: error instanceof RangeError, message: (error as Error).message };
  }
  return undefined;
}

describe("DescriptionPublisher given a secretKey it cannot use", () => {
  test.each(BAD_KEYS)("%s: a RangeError naming secretKey and what it must be, without the key", (_name, secretKey) => {
    const network = new MemoryNetwork();
    let thrown: unknown;
    try {
      new DescriptionPublisher({ profile: profileForRelease("0.1.0"), transport: network.transport(), secretKey: secretKey as Uint8Array });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    const message = (thrown as Error).message;
    expect(message).toMatch(/^secretKey must be the community's 32-byte secp256k1 secret key/);
    if (secretKey instanceof Uint8Array && secretKey.byteLength > 0) expect(message).not.toContain(Buffer.from(secretKey).toString("hex").slice(0, 16));
    expect(message).not.toContain("11".repeat(8));
  });

  test.each(BAD_KEYS)("%s: sealCommunityDescription and sealCommunityDescriptionPointer refuse it as the publisher does (the same RangeError message)", (_name, secretKey) => {
    const network = new MemoryNetwork();
    const options = { secretKey: secretKey as Uint8Array, version: 2 };
    const publisher = refusal(() => new DescriptionPublisher({ profile: profileForRelease("0.1.0"), transport: network.transport(), secretKey: secretKey as Uint8Array }));
    expect(publisher?.isRange).toBe(true);
    expect(refusal(() => sealCommunityDescription({ description: new Uint8Array([1, 2, 3]), clock: 1 }, options))).toEqual(publisher);
    expect(refusal(() => sealCommunityDescriptionPointer(POINTER, options))).toEqual(publisher);
  });

  test.each(BAD_KEYS)("%s: signPayloadBytes refuses it as the publisher does (the same RangeError message), for both kinds", (_name, secretKey) => {
    const network = new MemoryNetwork();
    const publisher = refusal(() => new DescriptionPublisher({ profile: profileForRelease("0.1.0"), transport: network.transport(), secretKey: secretKey as Uint8Array }));
    expect(publisher?.isRange).toBe(true);
    // Bytes a good key signs (a placeholder where the signature goes): only the key is wrong.
    const communityId = publicKeyOf(newSecretKey());
    const placeholder = new Uint8Array(65);
    const description = encodeSignedCommunityDescription({ communityId, clock: 1, description: new Uint8Array([1, 2, 3]), signature: placeholder }, 2);
    const pointer = encodeCommunityDescriptionPointer({ ...POINTER, communityId, signature: placeholder }, 2);
    expect(signPayloadBytes("community-description", description, newSecretKey()).byteLength).toBe(description.byteLength);
    expect(refusal(() => signPayloadBytes("community-description", description, secretKey as Uint8Array))).toEqual(publisher);
    expect(refusal(() => signPayloadBytes("cd-pointer", pointer, secretKey as Uint8Array))).toEqual(publisher);
  });

  test("as the receiver refuses a communityId that is no community's key: a RangeError too", async () => {
    const network = new MemoryNetwork();
    await expect(DescriptionReceiver.start({ profile: profileForRelease("0.1.0"), transport: network.transport(), communityId: new Uint8Array(32) })).rejects.toThrow(RangeError);
  });

  test("a good key still makes a publisher whose communityId is its public key", () => {
    const network = new MemoryNetwork();
    const publisher = new DescriptionPublisher({ profile: profileForRelease("0.1.0"), transport: network.transport(), secretKey: newSecretKey(), republishIntervalMs: false });
    expect(publisher.communityId.byteLength).toBe(33);
    publisher.close();
  });
});
