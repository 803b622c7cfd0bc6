/**
 * A receiver lowers a decode's byte cap with `{ maxBytes }` to shed oversized input early. A
 * misspelt key (`maxSize`) or a maxBytes that is no number of bytes ("65536" from a settings file,
 * -1, NaN) was ignored, and the decode ran on the looser default cap. They are the caller's
 * TypeError / RangeError now (not a WireError: the message was not at fault), and a message over a
 * valid lower cap is still E_WIRE_TOO_LARGE.
 */
import { describe, expect, it } from "vitest";
import { decodeFileReference, encodeEnvelope, encodeFileReference, encodeSegment, openEnvelope, WireError, type FileReference } from "../../src/wire/index.js";
import { thrown } from "../support/thrown.js";

const reference: FileReference = {
  pieces: [{ cid: "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", size: 1000, sha256: new Uint8Array(32).fill(1) }],
  encryption: { scheme: "aes-256-gcm-stream", key: new Uint8Array(32).fill(2), noncePrefix: new Uint8Array(7).fill(3), chunkSize: 65536 },
  plaintextSize: 984,
  mime: "image/jpeg",
  fileName: "photo.jpg",
  plaintextSha256: new Uint8Array(32).fill(4),
};

describe("a decode's maxBytes option", () => {
  const bytes = encodeFileReference(reference, 3);
  const envelope = encodeEnvelope({ version: 2, type: "segment", payload: encodeSegment({ entireMessageHash: new Uint8Array(32).fill(5), index: 0, segmentsCount: 1, payload: new Uint8Array(10) }, 2), fallbackText: "Update Status" });

  it("a key other than maxBytes is a TypeError naming it", () => {
    expect(thrown(() => decodeFileReference(bytes, 3, { maxSize: 10 } as never))).toEqual(
      new TypeError('decoding a file-reference has no option "maxSize" (did you mean "maxBytes"?); its options are maxBytes'),
    );
    expect(thrown(() => openEnvelope(envelope, { min: 1, max: 3 }, { maxbytes: 10 } as never))).toEqual(
      new TypeError('openEnvelope has no option "maxbytes" (did you mean "maxBytes"?); its options are maxBytes'),
    );
  });

  it("a value that is no number of bytes is a RangeError, where it was read as the default cap", () => {
    for (const value of ["65536", -1, Number.NaN, null]) {
      const error = thrown(() => decodeFileReference(bytes, 3, { maxBytes: value } as never));
      expect(error, String(value)).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/^decoding a file-reference option maxBytes must be a number of bytes, 0 or more/);
      expect(thrown(() => openEnvelope(envelope, { min: 1, max: 3 }, { maxBytes: value } as never))).toBeInstanceOf(RangeError);
    }
  });

  it("a valid lower cap still refuses a larger message as E_WIRE_TOO_LARGE; undefined, null options and a larger cap are the default", () => {
    const tooLarge = thrown(() => decodeFileReference(bytes, 3, { maxBytes: bytes.length - 1 }));
    expect(tooLarge).toBeInstanceOf(WireError);
    expect((tooLarge as WireError).code).toBe("E_WIRE_TOO_LARGE");
    for (const options of [undefined, null, {}, { maxBytes: undefined }, { maxBytes: bytes.length }, { maxBytes: Infinity }]) {
      expect(decodeFileReference(bytes, 3, options as never).fileName, JSON.stringify(options)).toBe("photo.jpg");
    }
  });
});
