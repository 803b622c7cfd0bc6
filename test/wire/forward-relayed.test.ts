/**
 * A message relayed through an older node and then a newer one: the older node keeps the newer
 * writer's fields as unknown and labels what it sends with its own version; the newer node then
 * forwards it as written with that older version. The newer writer's fields must survive both hops.
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { decodeForForwarding, decodePayload, encodeFileReference, encodePayload, type FileReference } from "../../src/wire/index.js";
import { anyPayload } from "./support/arbitraries.js";

const CID = "zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7";

describe("a version 3 message relayed by a version 2 node, then forwarded by a version 3 node", () => {
  it("keeps the file reference's expiry and piece positions (a version 3 forwarder dropped them, so the next reader's status() said 'unknown')", () => {
    const original: FileReference = {
      pieces: [
        { cid: CID, size: 1_048_592, sha256: new Uint8Array(32).fill(1) },
        { cid: CID, size: 80, sha256: new Uint8Array(32).fill(2) },
      ],
      encryption: { scheme: "aes-256-gcm-stream", key: new Uint8Array(32).fill(3), noncePrefix: new Uint8Array(7).fill(4), chunkSize: 65_536 },
      plaintextSize: 1_048_576 + 32,
      mime: "video/mp4",
      fileName: "clip.mp4",
      plaintextSha256: new Uint8Array(32).fill(5),
      uploadedAt: 1_790_000_000,
      expiresAt: 1_792_592_000,
    };
    const written = encodeFileReference(original, 3);
    // The 0.2.0 relay: sends it on in its own (version 2) envelope, the version 3 fields kept as unknown.
    const relayed = decodeForForwarding("file-reference", written, { written: 3, reader: 2 }).encode();
    expect(relayed).toEqual(written);
    // The 0.3.0 forwarder reads it as the envelope says: written with version 2.
    const node = decodeForForwarding("file-reference", relayed, { written: 2, reader: 3 });
    expect(node.message.expiresAt).toBeUndefined();
    const forwarded = node.encode();
    const read = decodePayload("file-reference", forwarded, 3);
    expect(read.expiresAt, "the expiry the version 3 writer wrote").toBe(original.expiresAt);
    expect(read.uploadedAt).toBe(original.uploadedAt);
    expect(read.pieces.map((p) => [p.index, p.offset])).toEqual([
      [0, 0],
      [1, 1_048_592],
    ]);
    expect(forwarded).toEqual(written);
  });

  test.prop([anyPayload(3, 2)], { numRuns: 150 })("every kind comes out of both hops byte for byte as the version 3 writer wrote it", ({ kind, view }) => {
    const written = encodePayload(kind, view as never, 3);
    const relayed = decodeForForwarding(kind, written, { written: 3, reader: 2 }).encode();
    const forwarded = decodeForForwarding(kind, relayed, { written: 2, reader: 3 }).encode();
    expect(Buffer.from(forwarded).toString("hex")).toBe(Buffer.from(written).toString("hex"));
  });
});

