/** fast-check arbitraries for valid views of every payload kind at every protocol version. */
import fc from "fast-check";
import {
  MAX_CHUNK_SIZE,
  MAX_COMMUNITY_DESCRIPTION_BYTES,
  MAX_SEGMENTS,
  introducedIn,
  PAYLOAD_KINDS,
  sanitizeFileName,
  type CommunityDescriptionPointer,
  type FileReference,
  type InlineAttachment,
  type PayloadKind,
  type PayloadViews,
  type Segment,
  type SignedCommunityDescription,
} from "../../../src/wire/index.js";

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".split("");

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const someBytes = (max: number) => fc.uint8Array({ minLength: 1, maxLength: max });
/** Small and huge values alike: uint64s near 2^53 must survive too. */
const safeNat = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  fc.oneof(fc.integer({ min, max: Math.min(max, min + 1000) }), fc.integer({ min, max }));

export const cid = fc.array(fc.constantFrom(...BASE58), { minLength: 7, maxLength: 127 }).map((a) => `z${a.join("")}`);

export const communityId = bytes(33).map((b) => {
  const id = b.slice();
  id[0] = 0x02 | ((id[0] as number) & 1);
  return id;
});

export const fileName = fc.oneof(fc.constant(""), fc.string({ unit: "binary", maxLength: 300 }).map(sanitizeFileName));

export const mime = fc.oneof(
  fc.constantFrom("", "image/png", "application/pdf", "text/plain; charset=utf-8", "application/vnd.example+json"),
  fc
    .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,20}$/), fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,20}$/))
    .map(([t, s]) => `${t}/${s}`),
);

export const communityDescription: fc.Arbitrary<SignedCommunityDescription> = fc.record({
  communityId,
  clock: safeNat(1),
  description: someBytes(400),
  signature: bytes(65),
});

export const segment: fc.Arbitrary<Segment> = fc
  .integer({ min: 1, max: MAX_SEGMENTS })
  .chain((segmentsCount) =>
    fc.record({
      entireMessageHash: bytes(32),
      index: fc.integer({ min: 0, max: segmentsCount - 1 }),
      segmentsCount: fc.constant(segmentsCount),
      payload: someBytes(400),
    }),
  );

export function inlineAttachment(version: number): fc.Arbitrary<InlineAttachment> {
  const base = { mime, fileName, data: someBytes(400) };
  // Version 1 always has a thumbnail field (empty when unset), so its view always carries one.
  return version === 1 ? fc.record({ ...base, thumbnail: fc.uint8Array({ maxLength: 100 }) }) : fc.record(base);
}

export function fileReference(version: number): fc.Arbitrary<FileReference> {
  const piece = fc.record({ cid, size: safeNat(1, 2 ** 40), sha256: bytes(32) });
  return fc
    .record({
      pieces: fc.array(piece, { minLength: 1, maxLength: 6 }),
      encryption: fc.record({
        scheme: fc.constant("aes-256-gcm-stream" as const),
        key: bytes(32),
        noncePrefix: bytes(7),
        chunkSize: fc.integer({ min: 1, max: MAX_CHUNK_SIZE }),
      }),
      plaintextSize: safeNat(1),
      mime,
      fileName,
      plaintextSha256: bytes(32),
      uploadedAt: safeNat(0),
      expiresAt: safeNat(0),
    })
    .map((v) => {
      if (version >= 3) {
        let offset = 0;
        const pieces = v.pieces.map((p, index) => {
          const withPosition = { ...p, index, offset };
          offset += p.size;
          return withPosition;
        });
        return { ...v, pieces };
      }
      const { uploadedAt: _u, expiresAt: _e, ...v2 } = v;
      return v2;
    });
}

export function cdPointer(version: number): fc.Arbitrary<CommunityDescriptionPointer> {
  return fc
    .record({
      communityId,
      clock: safeNat(2),
      cid,
      contentHash: bytes(32),
      size: fc.integer({ min: 1, max: MAX_COMMUNITY_DESCRIPTION_BYTES }),
      expiresAt: safeNat(0),
      signature: bytes(65),
      supersedes: fc.option(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), cid), { nil: undefined }),
    })
    .map(({ supersedes, ...v }) => {
      if (version < 3) return v;
      if (supersedes === undefined) return { ...v, supersedesClock: 0, supersedesCid: "" };
      const [fraction, supersedesCid] = supersedes;
      return { ...v, supersedesClock: Math.max(1, Math.floor(fraction * (v.clock - 1))), supersedesCid };
    });
}

export function payloadView<K extends PayloadKind>(kind: K, version: number): fc.Arbitrary<PayloadViews[K]> {
  const arbitraries: { [P in PayloadKind]: () => fc.Arbitrary<PayloadViews[P]> } = {
    "community-description": () => communityDescription,
    segment: () => segment,
    "inline-attachment": () => inlineAttachment(version),
    "file-reference": () => fileReference(version),
    "cd-pointer": () => cdPointer(version),
  };
  return arbitraries[kind]() as fc.Arbitrary<PayloadViews[K]>;
}

/** A kind both `version` and `alsoKnownTo` have, with a valid view of it at `version`. */
export function anyPayload(
  version: number,
  alsoKnownTo = version,
): fc.Arbitrary<{ kind: PayloadKind; view: PayloadViews[PayloadKind] }> {
  const kinds = PAYLOAD_KINDS.filter((k) => introducedIn(k) <= Math.min(version, alsoKnownTo));
  return fc.constantFrom(...kinds).chain((kind) => payloadView(kind, version).map((view) => ({ kind, view })));
}
