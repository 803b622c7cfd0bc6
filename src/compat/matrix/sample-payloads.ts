import { createHash } from "node:crypto";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import type { PayloadKind, PayloadViews } from "../../wire/index.js";

/**
 * Deterministic, valid sample messages of each payload kind as a given protocol version writes
 * them: the same seed gives the same bytes, so a matrix failure can be replayed. Fields a version
 * lacks are left out, as that version's writer leaves them out.
 */
export function samplePayload<K extends PayloadKind>(kind: K, version: number, seed: string): PayloadViews[K] {
  const bytes = (label: string, n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let filled = 0, round = 0; filled < n; round++) {
      const block = createHash("sha256").update(`${seed}/${label}/${round}`).digest();
      out.set(block.subarray(0, Math.min(block.length, n - filled)), filled);
      filled += block.length;
    }
    return out;
  };
  const small = (label: string, max: number): number => 1 + (bytes(label, 4).reduce((a, b) => a * 256 + b, 0) % max);
  const cid = (label: string): string => CID.createV1(0x55, createDigest(0x12, bytes(label, 32))).toString(base58btc);
  const communityId = (): Uint8Array => {
    const id = bytes("community", 33);
    id[0] = 0x02;
    return id;
  };

  const make: { [P in PayloadKind]: () => PayloadViews[P] } = {
    "community-description": () => ({
      communityId: communityId(),
      clock: small("clock", 1_000_000),
      description: bytes("description", small("description-length", 4096)),
      signature: bytes("signature", 65),
    }),
    segment: () => {
      const count = small("segments", 8) + 1;
      return { entireMessageHash: bytes("whole", 32), index: count - 1, segmentsCount: count, payload: bytes("segment", 512) };
    },
    "inline-attachment": () => ({
      mime: "image/png",
      fileName: `photo-${small("name", 999)}.png`,
      data: bytes("inline", small("inline-length", 2048)),
      ...(version === 1 ? { thumbnail: bytes("thumbnail", 64) } : {}),
    }),
    "file-reference": () => {
      const pieces = Array.from({ length: small("pieces", 4) }, (_, i) => ({
        cid: cid(`piece-${i}`),
        size: 1 << 20,
        sha256: bytes(`piece-hash-${i}`, 32),
        ...(version >= 3 ? { index: i, offset: i * (1 << 20) } : {}),
      }));
      return {
        pieces,
        encryption: { scheme: "aes-256-gcm-stream" as const, key: bytes("key", 32), noncePrefix: bytes("nonce", 7), chunkSize: 65_536 },
        plaintextSize: pieces.length * (1 << 20) - 256,
        mime: "application/pdf",
        fileName: `report-${small("name", 999)}.pdf`,
        plaintextSha256: bytes("plaintext-hash", 32),
        ...(version >= 3 ? { uploadedAt: 1_790_000_000, expiresAt: 1_792_592_000 } : {}),
      };
    },
    "cd-pointer": () => ({
      communityId: communityId(),
      clock: small("clock", 1_000_000),
      cid: cid("description"),
      contentHash: bytes("content-hash", 32),
      size: small("size", 2_000_000),
      expiresAt: 1_792_592_000,
      signature: bytes("signature", 65),
      ...(version >= 3 ? { supersedesClock: 7, supersedesCid: cid("previous") } : {}),
    }),
  };
  return make[kind]() as PayloadViews[K];
}

/**
 * A change a relaying node makes to a field it knows, per kind: what the forwarding check touches
 * before re-encoding, to prove unknown fields survive a real edit and not only a byte copy.
 */
export function touchKnownField<K extends PayloadKind>(kind: K, message: PayloadViews[K]): void {
  const m = message as unknown as Record<string, unknown>;
  switch (kind) {
    case "community-description":
    case "cd-pointer":
      m.clock = (m.clock as number) + 1;
      break;
    case "segment":
      m.payload = new Uint8Array([...(m.payload as Uint8Array), 0x2a]);
      break;
    case "inline-attachment":
    case "file-reference":
      m.fileName = `relayed-${m.fileName as string}`;
      break;
  }
}
