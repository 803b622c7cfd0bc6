/**
 * An app that hands an encoder what is not a view: most often the JSON text of one (a reference kept
 * in a settings store and not parsed). Before, the error printed that text whole, with its content
 * key ("FileReference: expected an object, got {"pieces":…,"key":"…"}"), into whatever log the app
 * keeps; a writer version given as the string "3" read "writer protocol 3 is not a protocol version",
 * and chooseAttachment's file size as "1000" "file size 1000 is not a byte count".
 */
import { describe, expect, it } from "vitest";
import { chooseAttachment, NegotiationError, peerAudience } from "../../src/negotiate/index.js";
import { profileFor } from "../../src/versions/index.js";
import { decodeFileReference, encodeEnvelope, encodeFileReference, encodePayloadEnvelope } from "../../src/wire/index.js";
import { thrown } from "../support/thrown.js";
import { refusal } from "./support/refusal.js";
import { sampleReference } from "./support/sample-reference.js";

const reference = sampleReference;
const keyText = Buffer.from(reference.encryption.key).toString("base64");
const stored = JSON.stringify({ ...reference, encryption: { ...reference.encryption, key: keyText } });

describe("a view given as its JSON text", () => {
  it("encodeFileReference: E_WIRE_INVALID_FIELD naming a string by its length, never its text (it holds the key)", () => {
    const error = refusal(() => encodeFileReference(stored as never, 3));
    expect(error.code).toBe("E_WIRE_INVALID_FIELD");
    expect(error.message).toBe(`FileReference: expected an object, got a string of ${stored.length} characters (JSON text? parse it first)`);
    expect(JSON.stringify(error)).not.toContain(keyText);
  });

  it("encodePayloadEnvelope and encodeEnvelope: the same for the envelope's fields", () => {
    const text = JSON.stringify({ version: 3, fallbackText: "" });
    for (const run of [
      () => encodePayloadEnvelope({ kind: "file-reference", message: reference }, text as never),
      () => encodeEnvelope(text as never),
    ]) {
      const error = refusal(run);
      expect(error.code).toBe("E_WIRE_INVALID_FIELD");
      expect(error.message).toBe(`Envelope: expected an object, got a string of ${text.length} characters (JSON text? parse it first)`);
    }
    expect(refusal(() => encodeEnvelope(7 as never)).message).toBe("Envelope: expected an object, got 7");
  });
});

describe("a number given as a string", () => {
  it('a writer version "3" in { written, reader }: E_VERSION_UNSUPPORTED naming the string', () => {
    const error = refusal(() => decodeFileReference(encodeFileReference(reference, 3), { written: "3" as never, reader: 3 }));
    expect(error.code).toBe("E_VERSION_UNSUPPORTED");
    expect(error.message).toContain('writer protocol the string "3" is not a protocol version');
  });

  it('chooseAttachment\'s file size "1000": E_RANGE_INVALID naming the string', () => {
    const error = thrown(() => chooseAttachment(profileFor(3).window, peerAudience(profileFor(3).window), "1000" as never));
    expect(error, String(error)).toBeInstanceOf(NegotiationError);
    expect((error as NegotiationError).code).toBe("E_RANGE_INVALID");
    expect((error as NegotiationError).message).toBe('file size the string "1000" is not a byte count');
  });
});
