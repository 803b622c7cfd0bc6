import { describe, expect, it } from "vitest";
import { buildFixtures, fromFixtureJson } from "../../scripts/make-fixtures.js";
import {
  DEFAULT_FALLBACK_TEXT,
  MAX_WAKU_ENVELOPE_BYTES,
  PAYLOAD_KINDS,
  WireError,
  decodeForForwarding,
  decodeFileReference,
  encodeEnvelope,
  encodeFileReference,
  encodePayloadEnvelope,
  encodeSegment,
  minReaderFor,
  openEnvelope,
  type FileReference,
  type PayloadKind,
  type ReaderWindow,
} from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { profileFor } from "../../src/versions/index.js";
import { encodeUnchecked, pbOf } from "./support/views.js";

const FIXTURE_FILES = buildFixtures();
function fixtureView(version: number, name: string): unknown {
  const json = JSON.parse(String(FIXTURE_FILES.get(`fixtures/v${version}/${name}.json`))) as { view: unknown };
  return fromFixtureJson(json.view);
}
const fileRefV3 = fixtureView(3, "file-reference") as FileReference;
const segmentV1 = fixtureView(1, "segment") as Parameters<typeof encodeSegment>[0];

function caught(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WireError);
    return err as WireError;
  }
  throw new Error("expected a WireError, nothing was thrown");
}

/** An envelope encoded with the newest schema without the writer's checks (for versions and types no writer here makes). */
function rawEnvelope(fields: Record<string, unknown>): Uint8Array {
  return encodeUnchecked("Envelope", fields, 3);
}

const FALLBACK = "Update Status to open this file.";

describe("minReaderFor", () => {
  it("is the version that introduced the kind, and never more than one version back", () => {
    const expected: Record<PayloadKind, Record<number, number>> = {
      "community-description": { 1: 1, 2: 1, 3: 2, 4: 3 },
      segment: { 1: 1, 2: 1, 3: 2, 4: 3 },
      "inline-attachment": { 1: 1, 2: 1, 3: 2, 4: 3 },
      "file-reference": { 2: 2, 3: 2, 4: 3 },
      "cd-pointer": { 2: 2, 3: 2, 4: 3 },
    };
    for (const kind of PAYLOAD_KINDS) {
      for (const [version, min] of Object.entries(expected[kind])) expect(minReaderFor(kind, Number(version)), `${kind}@${version}`).toBe(min);
    }
  });

  it("refuses a kind at a version older than the kind", () => {
    expect(caught(() => minReaderFor("file-reference", 1)).code).toBe("E_WIRE_UNKNOWN_TYPE");
    expect(caught(() => minReaderFor("cd-pointer", 1)).code).toBe("E_WIRE_UNKNOWN_TYPE");
  });

  it("agrees with the schemas: a kind has a PayloadType value exactly from the version that introduced it", () => {
    for (const version of [1, 2, 3]) {
      const schema = schemaFor(version)!;
      for (const kind of PAYLOAD_KINDS) {
        const known = schema.type(messageOf(kind)) !== undefined;
        const introduced = (() => {
          try {
            minReaderFor(kind, version);
            return true;
          } catch {
            return false;
          }
        })();
        expect(known, `${kind} in v${version}`).toBe(introduced);
      }
    }
  });
});

describe("openEnvelope readability", () => {
  const windows: ReaderWindow[] = [1, 2, 3].map((p) => profileFor(p).window);

  it("reads an envelope when minReader <= reader.max and version >= reader.min, and refuses it otherwise", () => {
    for (const version of [1, 2, 3]) {
      for (const kind of PAYLOAD_KINDS) {
        if (kind === "file-reference" || kind === "cd-pointer" ? version < 2 : false) continue;
        const payload = FIXTURE_FILES.get(`fixtures/v${version}/${kind}.bin`)!;
        const bytes = encodeEnvelope({ version, type: kind, payload, fallbackText: FALLBACK });
        const minReader = minReaderFor(kind, version);
        for (const w of windows) {
          const readable = minReader <= w.max && version >= w.min;
          if (readable) {
            expect(openEnvelope(bytes, w).envelope.version, `${kind}@${version} by [${w.min},${w.max}]`).toBe(version);
          } else {
            const err = caught(() => openEnvelope(bytes, w));
            expect(err.code, `${kind}@${version} by [${w.min},${w.max}]`).toBe("E_VERSION_UNSUPPORTED");
            expect(err.details).toMatchObject({ version, minReader, fallbackText: FALLBACK, reader: { min: w.min, max: w.max } });
          }
        }
      }
    }
  });

  it("tells a reader that is too old from a writer that is too old", () => {
    const v3 = encodeEnvelope({ version: 3, type: "file-reference", payload: encodeFileReference(fileRefV3, 3), fallbackText: FALLBACK });
    expect(caught(() => openEnvelope(v3, { min: 1, max: 1 })).details.reason).toBe("reader-too-old");
    const v1 = encodeEnvelope({ version: 1, type: "segment", payload: encodeSegment(segmentV1, 1), fallbackText: FALLBACK });
    const err = caught(() => openEnvelope(v1, { min: 2, max: 3 }));
    expect(err.code).toBe("E_VERSION_UNSUPPORTED");
    expect(err.details.reason).toBe("writer-too-old");
  });

  it("reads a newer version inside the window with the reader's own schema, keeping the newer fields for forwarding", () => {
    const payload = encodeFileReference(fileRefV3, 3);
    const bytes = encodeEnvelope({ version: 3, type: "file-reference", payload, fallbackText: FALLBACK });
    const opened = openEnvelope(bytes, profileFor(2).window);
    expect(opened.envelope.minReader).toBe(2);
    const message = opened.payload.message as FileReference;
    expect(message.uploadedAt).toBeUndefined();
    expect(message.pieces[1]!.index).toBeUndefined();
    const forward = decodeForForwarding("file-reference", opened.envelope.payload, { written: 3, reader: 2 });
    expect(forward.unknownFields).toBeGreaterThan(0);
    expect(decodeFileReference(forward.encode(), 3)).toEqual(fileRefV3);
  });

  it("reads an envelope from a version this build has no schema for, when its minReader is inside the window", () => {
    const payload = pbOf("file-reference", fileRefV3, 3);
    // A version 4 writer added field 9 to FileReference and field 7 to Envelope.
    const extra = new Uint8Array([0x48, 0x2a]);
    const payloadBytes = new Uint8Array([...encodeUnchecked("FileReference", payload, 3), ...extra]);
    const envelope = new Uint8Array([
      ...rawEnvelope({ version: 4, minReader: 3, type: 4, payload: payloadBytes, fallbackText: FALLBACK }),
      0x38,
      0x01,
    ]);
    const opened = openEnvelope(envelope, profileFor(3).window);
    expect(opened.envelope.version).toBe(4);
    expect(opened.payload.message).toEqual(fileRefV3);
    const forward = decodeForForwarding("file-reference", opened.envelope.payload, { written: 4, reader: 3 });
    expect(Buffer.from(forward.encode()).equals(Buffer.from(payloadBytes))).toBe(true);
  });

  it("refuses a payload type the reader's version does not know with E_WIRE_UNKNOWN_TYPE", () => {
    // Type 4 (file-reference) with a min_reader that wrongly promises a version 1 reader can read it.
    const lying = rawEnvelope({ version: 2, minReader: 1, type: 4, payload: new Uint8Array([1]), fallbackText: FALLBACK });
    expect(caught(() => openEnvelope(lying, profileFor(1).window)).code).toBe("E_WIRE_UNKNOWN_TYPE");
    // A type from a future version that a version 3 reader may read.
    const future = rawEnvelope({ version: 4, minReader: 3, type: 9, payload: new Uint8Array([1]), fallbackText: FALLBACK });
    const err = caught(() => openEnvelope(future, profileFor(3).window));
    expect(err.code).toBe("E_WIRE_UNKNOWN_TYPE");
    expect(err.details.fallbackText).toBe(FALLBACK);
  });

  it("gives a reader that cannot open an envelope without fallback_text a text to show all the same", () => {
    const payload = encodeFileReference(fileRefV3, 3);
    const tooNew = rawEnvelope({ version: 5, minReader: 4, type: 4, payload });
    const tooOld = caught(() => openEnvelope(tooNew, profileFor(3).window));
    expect(tooOld.code).toBe("E_VERSION_UNSUPPORTED");
    expect(tooOld.details.fallbackText).toBe(DEFAULT_FALLBACK_TEXT);
    const unknownType = caught(() => openEnvelope(rawEnvelope({ version: 4, minReader: 3, type: 9, payload }), profileFor(3).window));
    expect(unknownType.code).toBe("E_WIRE_UNKNOWN_TYPE");
    expect(unknownType.details.fallbackText).toBe(DEFAULT_FALLBACK_TEXT);
    expect(DEFAULT_FALLBACK_TEXT).toMatch(/^Update Status/);
    // A text the writer sent is the one shown.
    expect(caught(() => openEnvelope(rawEnvelope({ version: 5, minReader: 4, type: 4, payload, fallbackText: FALLBACK }), profileFor(3).window)).details.fallbackText).toBe(FALLBACK);
  });

  it("derives an unset min_reader from the protocol rule", () => {
    const payload = encodeFileReference(fileRefV3, 3);
    const bytes = rawEnvelope({ version: 3, type: 4, payload, fallbackText: FALLBACK });
    expect(openEnvelope(bytes, profileFor(2).window).envelope.minReader).toBe(2);
    const future = rawEnvelope({ version: 5, type: 4, payload, fallbackText: FALLBACK });
    expect(caught(() => openEnvelope(future, profileFor(3).window)).details).toMatchObject({ minReader: 4 });
  });

  it("refuses a min_reader that promises readers who cannot read the payload, or is above the version", () => {
    const payload = encodeFileReference(fileRefV3, 3);
    for (const minReader of [1, 4]) {
      const bytes = rawEnvelope({ version: 3, minReader, type: 4, payload, fallbackText: FALLBACK });
      const err = caught(() => openEnvelope(bytes, { min: 1, max: 3 }));
      expect(err.code).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details.field).toBe("minReader");
    }
  });

  it("refuses a payload type older writers cannot have written", () => {
    const bytes = rawEnvelope({ version: 1, minReader: 1, type: 4, payload: encodeFileReference(fileRefV3, 2), fallbackText: FALLBACK });
    const err = caught(() => openEnvelope(bytes, profileFor(2).window));
    expect(err.code).toBe("E_WIRE_INVALID_FIELD");
    expect(err.details.field).toBe("type");
  });

  it("refuses sender capabilities that do not include the envelope's version", () => {
    const payload = encodeSegment(segmentV1, 2);
    const bytes = rawEnvelope({ version: 2, minReader: 1, type: 2, payload, fallbackText: FALLBACK, sender: { minVersion: 3, maxVersion: 3 } });
    const err = caught(() => openEnvelope(bytes, profileFor(2).window));
    expect(err.details.field).toBe("sender");
  });

  it("refuses each missing required envelope field, naming it", () => {
    const base = { version: 2, minReader: 1, type: 2, payload: encodeSegment(segmentV1, 2), fallbackText: FALLBACK };
    for (const field of ["version", "type", "payload"] as const) {
      const err = caught(() => openEnvelope(rawEnvelope({ ...base, [field]: undefined }), profileFor(2).window));
      expect(err.code, field).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details.field).toBe(field);
    }
  });

  it("checks the size cap before decoding anything", () => {
    // One byte over the cap, and not a protobuf message at all: the cap answers first.
    const tooBig = new Uint8Array(MAX_WAKU_ENVELOPE_BYTES + 1).fill(0xff);
    expect(caught(() => openEnvelope(tooBig, { min: 1, max: 3 })).code).toBe("E_WIRE_TOO_LARGE");
    const ok = encodeEnvelope({ version: 2, type: "segment", payload: encodeSegment(segmentV1, 2), fallbackText: FALLBACK });
    expect(caught(() => openEnvelope(ok, { min: 1, max: 3 }, { maxBytes: ok.length - 1 })).code).toBe("E_WIRE_TOO_LARGE");
    expect(openEnvelope(ok, { min: 1, max: 3 }, { maxBytes: ok.length }).envelope.version).toBe(2);
  });

  it("refuses a reader window it has no schema for, or that is not a range", () => {
    const ok = encodeEnvelope({ version: 2, type: "segment", payload: encodeSegment(segmentV1, 2), fallbackText: FALLBACK });
    for (const w of [{ min: 3, max: 4 }, { min: 2, max: 1 }, { min: 0, max: 1 }, { min: 1.5, max: 2 }]) {
      expect(caught(() => openEnvelope(ok, w)).code).toBe("E_VERSION_UNSUPPORTED");
    }
  });
});

describe("encodeEnvelope", () => {
  it("defaults minReader to the protocol rule and accepts a higher one up to the version", () => {
    const payload = encodeFileReference(fileRefV3, 3);
    const dflt = openEnvelope(encodeEnvelope({ version: 3, type: "file-reference", payload, fallbackText: FALLBACK }), { min: 2, max: 3 });
    expect(dflt.envelope.minReader).toBe(2);
    const strict = encodeEnvelope({ version: 3, minReader: 3, type: "file-reference", payload, fallbackText: FALLBACK });
    expect(caught(() => openEnvelope(strict, profileFor(2).window)).code).toBe("E_VERSION_UNSUPPORTED");
    expect(caught(() => encodeEnvelope({ version: 3, minReader: 1, type: "file-reference", payload, fallbackText: FALLBACK })).details.field).toBe("minReader");
  });

  it("refuses a kind the version does not have, and a version this build has no schema for", () => {
    const payload = new Uint8Array([1]);
    expect(caught(() => encodeEnvelope({ version: 1, type: "file-reference", payload, fallbackText: "" })).code).toBe("E_WIRE_UNKNOWN_TYPE");
    // docs/wire.md: an encoder's E_WIRE_UNKNOWN_TYPE names the kind, the version and the version that introduced the kind.
    expect(caught(() => encodeEnvelope({ version: 1, type: "cd-pointer", payload, fallbackText: "" })).details).toMatchObject({ kind: "cd-pointer", version: 1, since: 2 });
    expect(caught(() => encodeEnvelope({ version: 4, type: "segment", payload, fallbackText: "" })).code).toBe("E_VERSION_UNSUPPORTED");
  });

  it("refuses to write an envelope over the Waku cap", () => {
    const payload = new Uint8Array(MAX_WAKU_ENVELOPE_BYTES);
    expect(caught(() => encodeEnvelope({ version: 2, type: "segment", payload, fallbackText: "" })).code).toBe("E_WIRE_TOO_LARGE");
  });

  it("refuses fallback text with control characters or over its cap, and bad sender capabilities", () => {
    const payload = new Uint8Array([1]);
    expect(caught(() => encodeEnvelope({ version: 2, type: "segment", payload, fallbackText: "a\u0007b" })).details.field).toBe("fallbackText");
    expect(caught(() => encodeEnvelope({ version: 2, type: "segment", payload, fallbackText: "é".repeat(513) })).details.field).toBe(
      "fallbackText",
    );
    const sender = { minVersion: 3, maxVersion: 2, features: [] };
    expect(caught(() => encodeEnvelope({ version: 2, type: "segment", payload, fallbackText: "", sender })).details.field).toBe("maxVersion");
  });

  it("refuses fallback text holding half an emoji (a localized text cut at a UTF-16 unit): written, every reader refused the whole envelope as E_WIRE_MALFORMED", () => {
    const payload = new Uint8Array([1]);
    const cut = `${FALLBACK} 😀`.slice(0, -1);
    for (const fallbackText of [cut, "\udc00 open it", "a\ud83d\ud83d"]) {
      const err = caught(() => encodeEnvelope({ version: 2, type: "segment", payload, fallbackText }));
      expect(err.code).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details.field).toBe("fallbackText");
    }
    // A whole emoji is text like any other.
    const inline = new Uint8Array([0x1a, 0x01, 0x01]);
    const whole = encodeEnvelope({ version: 2, type: "inline-attachment", payload: inline, fallbackText: `${FALLBACK} 😀` });
    expect(openEnvelope(whole, { min: 1, max: 2 }).envelope.fallbackText).toBe(`${FALLBACK} 😀`);
  });

  it("wraps a payload view in an envelope of its kind in one call", () => {
    const bytes = encodePayloadEnvelope(
      { kind: "file-reference", message: fileRefV3 },
      { version: 3, fallbackText: FALLBACK, sender: { minVersion: 2, maxVersion: 3, features: ["file-reference"] } },
    );
    const opened = openEnvelope(bytes, { min: 2, max: 3 });
    expect(opened.payload).toEqual({ kind: "file-reference", message: fileRefV3 });
    expect(opened.envelope.sender).toEqual({ minVersion: 2, maxVersion: 3, features: ["file-reference"] });
  });
});
