/**
 * The N / N+1 promise on the wire, as properties over generated valid messages of every kind.
 * Every read goes through the real paths: openEnvelope with a release's window, and the forwarding
 * API a node uses to pass a message on.
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  PAYLOAD_KINDS,
  WireError,
  decodeForForwarding,
  introducedIn,
  decodePayload,
  encodeEnvelope,
  encodePayload,
  openEnvelope,
  type PayloadKind,
  type PayloadViews,
} from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { decodeRaw } from "../../src/wire/raw-codec.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { profileFor } from "../../src/versions/index.js";
import { adjacentProtocolPairs, tableProtocols } from "../support/release-pairs.js";
import { anyPayload, payloadView } from "./support/arbitraries.js";
import { expectedView } from "./support/views.js";

const RUNS = { numRuns: 150 };
/** From the release table (test/wire/release-pairs.test.ts holds it to the table): a new release adds its pair here. */
const PAIRS = adjacentProtocolPairs();
const VERSIONS = tableProtocols();
const NEWEST = VERSIONS[VERSIONS.length - 1]!;
const FALLBACK = "Update Status to open this message.";

/** A change to a field every version of the kind knows, keeping the message valid. */
function touch(kind: PayloadKind, view: PayloadViews[PayloadKind]): void {
  const v = view as unknown as Record<string, unknown>;
  switch (kind) {
    case "community-description":
    case "segment":
      v[kind === "segment" ? "payload" : "description"] = new Uint8Array([0xf0, 0x0d]);
      break;
    case "inline-attachment":
    case "file-reference":
      v.fileName = "forwarded.bin";
      break;
    case "cd-pointer":
      v.expiresAt = (v.expiresAt as number) === 7 ? 8 : 7;
      break;
  }
}

/** Unknown fields protobufjs kept, over a decoded message and every message inside it. */
function unknownCount(value: unknown): number {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return 0;
  const own = (value as { $unknowns?: unknown[] }).$unknowns?.length ?? 0;
  return own + Object.values(value).reduce<number>((n, v) => n + unknownCount(v), 0);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

for (const { older, newer } of PAIRS) {
  describe(`versions ${older} and ${newer}`, () => {
    test.prop([anyPayload(older)], RUNS)(
      `a version ${newer} reader sees every field of a valid version ${older} message that version ${newer} still has`,
      ({ kind, view }) => {
        const bytes = encodeEnvelope({ version: older, type: kind, payload: encodePayload(kind, view, older), fallbackText: FALLBACK });
        const opened = openEnvelope(bytes, profileFor(newer).window);
        expect(opened.envelope.version).toBe(older);
        expect(opened.payload.kind).toBe(kind);
        expect(opened.payload.message).toEqual(expectedView(kind, view, older, newer));
        // Only a field the newer version removed (v1's thumbnail) may be missing.
        const lost = Object.keys(view).filter((k) => !(k in (opened.payload.message as object)));
        expect(lost.every((k) => k === "thumbnail")).toBe(true);
      },
    );

    test.prop([anyPayload(newer, older)], RUNS)(
      `a version ${older} reader sees the fields it knows of a valid version ${newer} message, and forwards the rest unchanged to a version ${newer} reader`,
      ({ kind, view }) => {
        const bytes = encodePayload(kind, view, newer);
        const envelope = encodeEnvelope({ version: newer, type: kind, payload: bytes, fallbackText: FALLBACK });
        const opened = openEnvelope(envelope, profileFor(older).window);
        expect(opened.payload.message).toEqual(expectedView(kind, view, newer, older));

        const node = decodeForForwarding(kind, opened.envelope.payload, { written: newer, reader: older });
        expect(node.message).toEqual(expectedView(kind, view, newer, older));
        touch(kind, node.message);
        const forwarded = node.encode();

        const expected = clone(view);
        touch(kind, expected);
        expect(decodePayload(kind, forwarded, newer)).toEqual(expected);
        const reopened = openEnvelope(
          encodeEnvelope({ version: newer, type: kind, payload: forwarded, fallbackText: FALLBACK }),
          profileFor(newer).window,
        );
        expect(reopened.payload.message).toEqual(expected);
      },
    );

    test.prop([anyPayload(newer, older)], RUNS)(
      `a version ${newer} message forwarded untouched by a version ${older} node is byte-identical`,
      ({ kind, view }) => {
        const bytes = encodePayload(kind, view, newer);
        const forwarded = decodeForForwarding(kind, bytes, { written: newer, reader: older }).encode();
        expect(Buffer.from(forwarded).equals(Buffer.from(bytes))).toBe(true);
      },
    );

    const newKinds = PAYLOAD_KINDS.filter((k) => introducedIn(k) === newer);
    if (newKinds.length > 0) {
      test.prop([fc.constantFrom(...newKinds).chain((kind) => payloadView(kind, newer).map((view) => ({ kind, view })))], RUNS)(
        `a version ${newer} message of a kind version ${older} lacks is refused by a version ${older} reader with its fallback text`,
        ({ kind, view }) => {
          const bytes = encodeEnvelope({ version: newer, type: kind, payload: encodePayload(kind, view, newer), fallbackText: FALLBACK });
          let error: unknown;
          try {
            openEnvelope(bytes, profileFor(older).window);
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(WireError);
          expect((error as WireError).code).toBe("E_VERSION_UNSUPPORTED");
          expect((error as WireError).details.fallbackText).toBe(FALLBACK);
        },
      );
    }
  });
}

describe("every version", () => {
  for (const version of VERSIONS) {
    test.prop([anyPayload(version)], RUNS)(`a version ${version} message reads back exactly as written`, ({ kind, view }) => {
      expect(decodePayload(kind, encodePayload(kind, view, version), version)).toEqual(view);
    });

    test.prop([anyPayload(NEWEST)], RUNS)(`a version ${version} encoder writes no field version ${version} lacks`, ({ kind, view }) => {
      fc.pre(version >= introducedIn(kind));
      const bytes = encodePayload(kind, view as never, version);
      const raw = decodeRaw(schemaFor(version)!.type(messageOf(kind))!, bytes, messageOf(kind));
      expect(unknownCount(raw)).toBe(0);
    });
  }
});
