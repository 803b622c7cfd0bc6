import type { FileReference } from "../../../src/wire/index.js";

export const SAMPLE_CID = "zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7";

/** A one-piece 1 MiB video's reference, every field set: the base that wire tests rewrite by hand. */
export const sampleReference: FileReference = {
  pieces: [{ cid: SAMPLE_CID, size: 1_048_592, sha256: new Uint8Array(32).fill(1) }],
  encryption: { scheme: "aes-256-gcm-stream", key: new Uint8Array(32).fill(3), noncePrefix: new Uint8Array(7).fill(4), chunkSize: 65_536 },
  plaintextSize: 1_048_576,
  mime: "video/mp4",
  fileName: "clip.mp4",
  plaintextSha256: new Uint8Array(32).fill(5),
  uploadedAt: 1_790_000_000,
  expiresAt: 1_792_592_000,
};
