import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildFixtures, fromFixtureJson, REPO_ROOT, type FixtureDescription } from "../../scripts/make-fixtures.js";
import * as tsProtoAttachment from "../../src/wire/gen/ts-proto/attachment.js";
import * as tsProtoCommunity from "../../src/wire/gen/ts-proto/community.js";
import * as tsProtoEnvelope from "../../src/wire/gen/ts-proto/envelope.js";
import * as tsProtoFileReference from "../../src/wire/gen/ts-proto/file_reference.js";
import { GENERATED_CURRENT_VERSION } from "../../src/wire/gen/schema/index.js";
import {
  SCHEMA_VERSIONS,
  decodePayload,
  encodeEnvelope,
  encodePayload,
  openEnvelope,
  type Envelope,
  type PayloadKind,
} from "../../src/wire/index.js";
import { profileFor } from "../../src/versions/index.js";
import { expectedView } from "./support/views.js";

interface Fixture {
  readonly description: FixtureDescription;
  readonly bin: Uint8Array;
  readonly view: unknown;
}

function loadVersion(version: number): Fixture[] {
  const dir = join(REPO_ROOT, "fixtures", `v${version}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const description = JSON.parse(readFileSync(join(dir, f), "utf8")) as FixtureDescription;
      const bin = new Uint8Array(readFileSync(join(dir, f.replace(/\.json$/, ".bin"))));
      return { description, bin, view: fromFixtureJson(description.view) };
    });
}

const FIXTURES = new Map(SCHEMA_VERSIONS.map((v) => [v, loadVersion(v)]));

describe("golden vectors", () => {
  it("exist for every version with a schema, and describe their .bin exactly", () => {
    for (const [version, fixtures] of FIXTURES) {
      expect(fixtures.length, `fixtures/v${version}`).toBeGreaterThanOrEqual(6);
      for (const f of fixtures) {
        expect(f.description.version).toBe(version);
        expect(f.description.bytes).toBe(f.bin.length);
        expect(f.description.sha256).toBe(createHash("sha256").update(f.bin).digest("hex"));
      }
    }
  });

  it("are exactly what scripts/make-fixtures.ts produces", () => {
    for (const [path, content] of buildFixtures()) {
      expect(Buffer.compare(readFileSync(join(REPO_ROOT, path)), content), path).toBe(0);
    }
  });

  for (const version of SCHEMA_VERSIONS) {
    describe(`version ${version}`, () => {
      it("re-encoding each described view with this version's profile reproduces its bytes", () => {
        for (const f of FIXTURES.get(version)!) {
          const bytes =
            f.description.kind === "envelope"
              ? encodeEnvelope(f.view as Envelope)
              : encodePayload(f.description.kind, f.view as never, version);
          expect(Buffer.from(bytes).toString("hex"), f.description.name).toBe(Buffer.from(f.bin).toString("hex"));
        }
      });

      const readers = [version, version + 1].filter((r) => SCHEMA_VERSIONS.includes(r));
      for (const reader of readers) {
        it(`a version ${reader} reader decodes them to the described views`, () => {
          const window = profileFor(reader).window;
          for (const f of FIXTURES.get(version)!) {
            if (f.description.kind === "envelope") {
              const envelope = f.view as Envelope;
              const opened = openEnvelope(f.bin, window);
              expect(opened.envelope, f.description.name).toEqual(envelope);
              const payloadFixture = FIXTURES.get(version)!.find((p) => p.description.name === f.description.payloadFixture)!;
              expect(opened.payload.kind).toBe(envelope.type);
              expect(opened.payload.message).toEqual(expectedView(envelope.type, payloadFixture.view as never, version, reader));
            } else {
              const kind = f.description.kind as PayloadKind;
              const view = decodePayload(kind, f.bin, { written: version, reader });
              expect(view, f.description.name).toEqual(expectedView(kind, f.view as never, version, reader));
            }
          }
        });
      }
    });
  }

  it("the ts-proto code of the current version decodes its vectors and re-encodes the same bytes", () => {
    expect(GENERATED_CURRENT_VERSION).toBe(SCHEMA_VERSIONS[SCHEMA_VERSIONS.length - 1]);
    const codecs: Record<string, { decode(b: Uint8Array): unknown; encode(m: never): { finish(): Uint8Array } }> = {
      "status.storage.Envelope": tsProtoEnvelope.Envelope,
      "status.storage.SignedCommunityDescription": tsProtoCommunity.SignedCommunityDescription,
      "status.storage.Segment": tsProtoCommunity.Segment,
      "status.storage.InlineAttachment": tsProtoAttachment.InlineAttachment,
      "status.storage.FileReference": tsProtoFileReference.FileReference,
      "status.storage.CommunityDescriptionPointer": tsProtoCommunity.CommunityDescriptionPointer,
    };
    for (const f of FIXTURES.get(GENERATED_CURRENT_VERSION)!) {
      const codec = codecs[f.description.message]!;
      const decoded = codec.decode(f.bin) as Record<string, unknown>;
      expect(Buffer.from(codec.encode(decoded as never).finish()).equals(Buffer.from(f.bin)), f.description.name).toBe(true);
      if (f.description.kind === "file-reference") {
        const view = f.view as { fileName: string; plaintextSize: number; pieces: Array<{ cid: string; offset: number }> };
        expect(decoded.fileName).toBe(view.fileName);
        expect(decoded.plaintextSize).toBe(view.plaintextSize);
        expect((decoded.pieces as Array<{ cid: string; offset: number }>).map((p) => [p.cid, p.offset])).toEqual(
          view.pieces.map((p) => [p.cid, p.offset]),
        );
      }
    }
  });
});
