/**
 * An app's wrong argument to the wire's entry points, as the app meets it: the code stays what it
 * was, the message names the value by what it is (describedValue). Before, a version passed as the
 * string "3" read as the number ("writer protocol 3 has no schema in this build (it has 1..3)"), a
 * reader window of strings looked valid ("reader window [2, 3] is not a version range"), a version
 * that was neither a number nor { written, reader } was reported as "reader protocol undefined",
 * and an ArrayBuffer, a DataView, an array or null given as the bytes were all "got object"; bytes
 * given as their base64 text were "got string" (and, once worded by describedValue, would have been
 * quoted: a reference's text holds its content key).
 */
import { describe, expect, it } from "vitest";
import { describedValue } from "../../src/errors/index.js";
import { chooseWriteVersion, NegotiationError, peerAudience } from "../../src/negotiate/index.js";
import { profileFor } from "../../src/versions/index.js";
import { decodeFileReference, decodeForForwarding, encodeFileReference, encodePayloadEnvelope, openEnvelope } from "../../src/wire/index.js";
import { thrown } from "../support/thrown.js";
import { refusal } from "./support/refusal.js";
import { sampleReference } from "./support/sample-reference.js";

const reference = sampleReference;
const payload = encodeFileReference(reference, 3);
const envelope = encodePayloadEnvelope(
  { kind: "file-reference", message: reference },
  { version: 3, sender: { minVersion: 2, maxVersion: 3, features: [] }, fallbackText: "" },
);

describe("bytes that are not a Uint8Array are named by what they are", () => {
  for (const value of [new ArrayBuffer(8), new DataView(new ArrayBuffer(8)), new Uint16Array(4), [1, 2], null]) {
    it(`${describedValue(value)}: E_WIRE_MALFORMED saying so`, () => {
      for (const run of [() => openEnvelope(value as never, profileFor(3).window), () => decodeFileReference(value as never, 3)]) {
        const error = refusal(run);
        expect(error.code).toBe("E_WIRE_MALFORMED");
        expect(error.message).toContain(`got ${describedValue(value)}`);
      }
    });
  }
});

describe("bytes given as text", () => {
  it("are named by their length, never quoted: a reference's base64 holds its content key", () => {
    const text = Buffer.from(payload).toString("base64");
    for (const [run, what] of [
      [() => openEnvelope(text as never, profileFor(3).window), "Envelope"],
      [() => decodeFileReference(text as never, 3), "FileReference"],
    ] as const) {
      const error = refusal(run);
      expect(error.code).toBe("E_WIRE_MALFORMED");
      expect(error.message).toBe(`${what}: expected bytes (Uint8Array), got a string of ${text.length} characters (base64 text? decode it first)`);
      expect(error.message).not.toContain(text.slice(0, 8));
    }
  });
});

describe("a version that is not a number is not read as one", () => {
  it('encoding at the string "3": E_VERSION_UNSUPPORTED naming the string, not "protocol 3 has no schema (it has 1..3)"', () => {
    const error = refusal(() => encodeFileReference(reference, "3" as never));
    expect(error.code).toBe("E_VERSION_UNSUPPORTED");
    expect(error.message).toContain('the string "3"');
    expect(error.message).not.toContain("protocol 3 has no schema");
  });

  it('decoding at the string "3", or at no version: E_VERSION_UNSUPPORTED naming what was given, not "reader protocol undefined"', () => {
    for (const at of ["3", true, undefined]) {
      for (const run of [
        () => decodeFileReference(payload, at as never),
        () => decodeForForwarding("file-reference", payload, at as never),
      ]) {
        const error = refusal(run);
        expect(error.code).toBe("E_VERSION_UNSUPPORTED");
        expect(error.message).toContain(`not ${describedValue(at)}`);
        expect(error.message).toContain("{ written, reader }");
        expect(error.message).not.toContain("protocol undefined");
      }
    }
  });

  it("decoding at { written } without reader: the message names the missing reader", () => {
    const error = refusal(() => decodeFileReference(payload, { written: 3 } as never));
    expect(error.code).toBe("E_VERSION_UNSUPPORTED");
    expect(error.message).toMatch(/reader protocol must be a number .*, not undefined/);
  });

  it('a reader window of strings, or null: E_VERSION_UNSUPPORTED quoting them, not "[2, 3]"', () => {
    const strings = refusal(() => openEnvelope(envelope, { min: "2", max: "3" } as never));
    expect(strings.code).toBe("E_VERSION_UNSUPPORTED");
    expect(strings.message).toContain('[the string "2", the string "3"]');
    const none = refusal(() => openEnvelope(envelope, null as never));
    expect(none.code).toBe("E_VERSION_UNSUPPORTED");
    expect(none.message).toContain("reader window null is not a version range");
  });

  it('a writer range of strings given to negotiation: E_RANGE_INVALID quoting them, not "[2, 3]"', () => {
    const error = thrown(() => chooseWriteVersion({ min: "2", max: 3 } as never, peerAudience(profileFor(3).window)));
    expect(error, String(error)).toBeInstanceOf(NegotiationError);
    expect((error as NegotiationError).code).toBe("E_RANGE_INVALID");
    expect((error as NegotiationError).message).toContain('has version range [the string "2", 3]');
  });
});
