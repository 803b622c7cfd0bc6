/**
 * The single-pass read path (src/wire/single-pass) is the reflection path, faster: over valid
 * messages of every kind and version, canonical or re-encoded (fields reordered, unknown fields
 * inserted, overridden duplicates, padded varints), read by every reader that may read them, the
 * single pass accepts and builds exactly the reflection path's view; for envelopes a reader may not
 * open, both refuse alike. Malformed and invalid inputs are the fuzzer's (test/wire/fuzz.test.ts).
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { FEATURES } from "../../src/versions/index.js";
import {
  MAX_FEATURES,
  SCHEMA_VERSIONS,
  WireError,
  encodeEnvelope,
  encodePayload,
  introducedIn,
  type Capabilities,
  type ReaderWindow,
} from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { schemaFor, type MessageName } from "../../src/wire/schema-registry.js";
import { READ_FIELDS } from "../../src/wire/single-pass/index.js";
import { SKIP, readPlanOf } from "../../src/wire/single-pass/read-plan.js";
import { codecContext } from "../../src/wire/codec-context.js";
import { anyPayload } from "./support/arbitraries.js";
import { agreeOnEnvelope, agreeOnPayload, singlePassEnvelope, singlePassPayload } from "./support/decoder-equivalence.js";
import { randomFrom, variant, variantSeed } from "./support/wire-variants.js";

const RUNS = { numRuns: 200 };

const WINDOWS: readonly ReaderWindow[] = [
  { min: 1, max: 1 },
  { min: 1, max: 2 },
  { min: 2, max: 3 },
  { min: 1, max: 3 },
  { min: 3, max: 3 },
];

const featureName = fc.oneof(fc.constantFrom(...FEATURES), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,63}$/));

function senderOf(version: number): fc.Arbitrary<Capabilities | undefined> {
  return fc.option(
    fc.record({
      minVersion: fc.integer({ min: 1, max: version }),
      maxVersion: fc.integer({ min: version, max: version + 3 }),
      features: fc.array(featureName, { maxLength: MAX_FEATURES }),
    }),
    { nil: undefined },
  );
}

/** What an old reader shows: any text without control characters, ASCII or not, within the cap (250 characters of at most 4 UTF-8 bytes). */
const fallbackText = fc
  .string({ unit: fc.oneof(fc.constant("a"), fc.constant("é"), fc.constant("✓"), fc.constant("😀"), fc.constant(" "), fc.string({ unit: "binary", maxLength: 1 })), maxLength: 250 })
  .map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ""));

for (const version of SCHEMA_VERSIONS) {
  describe(`version ${version} messages`, () => {
    test.prop([anyPayload(version), variantSeed], RUNS)(
      `the single pass reads every valid version ${version} payload, canonical or re-encoded, as the reflection path does, for every reader at most one version away`,
      ({ kind, view }, seed) => {
        const canonical = encodePayload(kind, view, version);
        const reencoded = variant(messageOf(kind), canonical, randomFrom(seed));
        for (const reader of SCHEMA_VERSIONS) {
          if (Math.abs(reader - version) > 1 || reader < introducedIn(kind)) continue;
          for (const bytes of [canonical, reencoded]) {
            const fast = singlePassPayload(kind, bytes, version, reader);
            expect(fast, `reader ${reader}`).toBeDefined();
            expect(fast).toStrictEqual(agreeOnPayload(kind, bytes, version, reader));
          }
        }
      },
    );

    test.prop([anyPayload(version), senderOf(version), fallbackText, fc.boolean(), variantSeed], RUNS)(
      `the single pass opens every version ${version} envelope a reader may open as the reflection path does, and leaves the others to it`,
      ({ kind, view }, sender, text, minimal, seed) => {
        const rand = randomFrom(seed);
        const payload = variant(messageOf(kind), encodePayload(kind, view, version), rand);
        const canonical = encodeEnvelope({ version, type: kind, payload, fallbackText: text, ...(sender === undefined ? {} : { sender }), ...(minimal ? {} : { minReader: version }) });
        for (const bytes of [canonical, variant("Envelope", canonical, rand)]) {
          for (const w of WINDOWS) {
            let reference: unknown;
            try {
              reference = agreeOnEnvelope(bytes, w);
            } catch (err) {
              if (!(err instanceof WireError)) throw err;
              expect(singlePassEnvelope(bytes, w), `[${w.min},${w.max}] refused by the reflection path`).toBeUndefined();
              continue;
            }
            expect(singlePassEnvelope(bytes, w), `[${w.min},${w.max}]`).toStrictEqual(reference);
          }
        }
      },
    );
  });
}

describe("the single pass knows every field of every schema", () => {
  it("READ_FIELDS has each schema field with its number, type and cardinality, and nothing else", () => {
    for (const version of SCHEMA_VERSIONS) {
      const schema = schemaFor(version)!;
      for (const message of Object.keys(READ_FIELDS) as MessageName[]) {
        const type = schema.type(message);
        if (type === undefined) continue;
        for (const field of type.fieldsArray) {
          const known = READ_FIELDS[message][field.name];
          expect(known, `v${version} ${message}.${field.name}`).toBeDefined();
          const type = field.resolvedType?.name ?? field.type;
          expect([known![0], known![1], known![2] === "repeated"], `v${version} ${message}.${field.name}`).toEqual([field.id, type, field.repeated]);
        }
      }
    }
    for (const message of Object.keys(READ_FIELDS) as MessageName[]) {
      for (const field of Object.keys(READ_FIELDS[message]!)) {
        expect(SCHEMA_VERSIONS.some((v) => schemaFor(v)!.hasField(message, field)), `${message}.${field}`).toBe(true);
      }
    }
  });

  it("a field some version lacks is one the read plan decides on, so each reader skips, reads or keeps it as its schema says", () => {
    const planned = new Set(["Piece.index", "Piece.offset", "FileReference.uploadedAt", "FileReference.expiresAt", "InlineAttachment.thumbnail", "CommunityDescriptionPointer.supersedesClock", "CommunityDescriptionPointer.supersedesCid"]);
    for (const message of Object.keys(READ_FIELDS) as MessageName[]) {
      const having = SCHEMA_VERSIONS.filter((v) => schemaFor(v)!.type(message) !== undefined);
      for (const field of Object.keys(READ_FIELDS[message]!)) {
        const inEvery = having.every((v) => schemaFor(v)!.hasField(message, field));
        expect(inEvery || planned.has(`${message}.${field}`), `${message}.${field}`).toBe(true);
      }
    }
    // And the plan follows the schemas: a version 2 reader skips version 3's fields, a version 3 reader of version 2 bytes reads but does not keep them.
    expect(readPlanOf(codecContext(schemaFor(2)!, 3)).pieceIndex).toBe(SKIP);
    expect(readPlanOf(codecContext(schemaFor(3)!, 2))).toMatchObject({ pieceIndex: 1, uploadedAt: 1 });
    expect(readPlanOf(codecContext(schemaFor(3)!, 3))).toMatchObject({ pieceIndex: 2, uploadedAt: 2, thumbnail: SKIP });
    expect(readPlanOf(codecContext(schemaFor(1)!, 2)).thumbnail).toBe(1);
  });
});
