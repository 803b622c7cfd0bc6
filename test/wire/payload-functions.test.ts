import protobuf from "protobufjs/light.js";
import { describe, expect, it } from "vitest";
import { buildFixtures, fromFixtureJson } from "../../scripts/make-fixtures.js";
import * as wire from "../../src/wire/index.js";
import { PAYLOAD_KINDS, SCHEMA_VERSIONS, introducedIn, type PayloadKind } from "../../src/wire/index.js";

const FILES = buildFixtures();
const PAIRS: Record<PayloadKind, [string, string]> = {
  "community-description": ["encodeSignedCommunityDescription", "decodeSignedCommunityDescription"],
  segment: ["encodeSegment", "decodeSegment"],
  "inline-attachment": ["encodeInlineAttachment", "decodeInlineAttachment"],
  "file-reference": ["encodeFileReference", "decodeFileReference"],
  "cd-pointer": ["encodeCommunityDescriptionPointer", "decodeCommunityDescriptionPointer"],
};

describe("per-kind functions", () => {
  it("encode and decode each kind exactly as encodePayload / decodePayload do", () => {
    for (const version of SCHEMA_VERSIONS) {
      for (const kind of PAYLOAD_KINDS) {
        if (introducedIn(kind) > version) continue;
        const json = JSON.parse(String(FILES.get(`fixtures/v${version}/${kind}.json`))) as { view: unknown };
        const view = fromFixtureJson(json.view);
        const [enc, dec] = PAIRS[kind].map((n) => (wire as unknown as Record<string, (...a: unknown[]) => unknown>)[n]!);
        const bytes = enc!(view, version) as Uint8Array;
        expect(Buffer.from(bytes).equals(Buffer.from(FILES.get(`fixtures/v${version}/${kind}.bin`)!))).toBe(true);
        expect(dec!(bytes, version)).toEqual(wire.decodePayload(kind, bytes, version));
      }
    }
  });

  it("keep unknown fields through their own reader only, leaving protobufjs's global default alone", () => {
    const bin = FILES.get("fixtures/v3/file-reference.bin")!;
    expect(wire.decodeForForwarding("file-reference", bin, { written: 3, reader: 2 }).unknownFields).toBeGreaterThan(0);
    expect(protobuf.Reader.discardUnknown).toBe(true);
  });
});
