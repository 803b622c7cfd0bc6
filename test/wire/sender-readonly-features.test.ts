/**
 * An app advertises what its release writes as the sender's features. ProtocolProfile's
 * `release.writes` is a readonly list (the release table's rows are frozen), and the encoders took
 * Capabilities with a mutable string[], so `features: me.release.writes` did not compile without a
 * copy. The encoders' input takes a readonly list; decoded views keep Capabilities as they were.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { profileFor } from "../../src/versions/index.js";
import {
  encodeEnvelope,
  encodeFileReference,
  encodePayloadEnvelope,
  openEnvelope,
  type Capabilities,
  type Envelope,
} from "../../src/wire/index.js";
import { sampleReference } from "./support/sample-reference.js";

const me = profileFor(3);

describe("a sender's features given as a readonly list", () => {
  it("encodePayloadEnvelope and encodeEnvelope take profile.release.writes as it is; a reader gets it back", () => {
    const sender = { minVersion: me.window.min, maxVersion: me.window.max, features: me.release.writes };
    const viaPayload = encodePayloadEnvelope({ kind: "file-reference", message: sampleReference }, { version: 3, fallbackText: "", sender });
    const viaEnvelope = encodeEnvelope({ version: 3, type: "file-reference", payload: encodeFileReference(sampleReference, 3), fallbackText: "", sender });
    for (const bytes of [viaPayload, viaEnvelope]) {
      expect(openEnvelope(bytes, me.window).envelope.sender).toEqual({ minVersion: 2, maxVersion: 3, features: [...me.release.writes] });
    }
    expect(Object.isFrozen(me.release.writes)).toBe(true);
  });

  it("decoded views are unchanged: Capabilities.features stays a string[]", () => {
    expectTypeOf<Capabilities["features"]>().toEqualTypeOf<string[]>();
    expectTypeOf<NonNullable<Envelope["sender"]>>().toEqualTypeOf<Capabilities>();
  });
});
