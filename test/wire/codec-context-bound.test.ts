/**
 * A relay forwards with the envelope's version as the writer's (decodeForForwarding's
 * `at.written`), a number the peer chooses (any uint32). The codec context was memoized per
 * (reader, writer) for ever, so a peer sending one message per version grew every relay's heap
 * without bound (about 1.2 KB a version: 122 MB for 100,000 versions, measured). Contexts for
 * writers newer than every schema are now kept for the most recent few; those of the schemas
 * this build has stay memoized.
 */
import { describe, expect, it } from "vitest";
import { codecContext } from "../../src/wire/codec-context.js";
import { decodeForForwarding, encodeFileReference } from "../../src/wire/index.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { sampleReference } from "./support/sample-reference.js";

describe("codec contexts for writer versions a peer chooses", () => {
  it("keeps a bounded number for writers newer than every schema, and every one for the schemas here", () => {
    const schema = schemaFor(3)!;
    const own = codecContext(schema, 2);
    const first = codecContext(schema, 1_000_000);
    expect(codecContext(schema, 1_000_000)).toBe(first);
    const bytes = encodeFileReference(sampleReference, 3);
    for (let written = 1_000_001; written < 1_005_000; written++) {
      expect(decodeForForwarding("file-reference", bytes, { written, reader: 3 }).written).toBe(written);
    }
    // Pushed out by the 4,999 newer versions after it: made again when asked, with the same answers.
    const again = codecContext(schema, 1_000_000);
    expect(again).not.toBe(first);
    expect(again.written).toBe(1_000_000);
    expect(again.has("FileReference", "expiresAt")).toBe(first.has("FileReference", "expiresAt"));
    expect(codecContext(schema, 2)).toBe(own);
  });
});
