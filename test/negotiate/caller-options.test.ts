import { describe, expect, it } from "vitest";
import { chooseAttachment, chooseWriteVersion, groupAudience, isVersionRange, NegotiationError, peerAudience } from "../../src/negotiate/index.js";
import { profileFor } from "../../src/versions/index.js";

const v1 = profileFor(1).window;
const v2 = profileFor(2).window;

/** What a call threw, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("chooseAttachment's inline limit", () => {
  it("refuses a limit that is not a byte count (E_RANGE_INVALID) instead of silently never sending inline", () => {
    for (const inlineMaxBytes of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY * -1]) {
      // A protocol 1 writer can only send inline: a bad limit used to end in E_PAYLOAD_NOT_WRITABLE for a 10-byte file.
      const err = thrown(() => chooseAttachment(v1, peerAudience(v1), 10, { inlineMaxBytes }));
      expect(err, `inlineMaxBytes ${inlineMaxBytes}: ${String(err)}`).toBeInstanceOf(NegotiationError);
      expect((err as NegotiationError).code).toBe("E_RANGE_INVALID");
    }
    // A limit of 0 is a byte count: nothing goes inline.
    expect(chooseAttachment(v2, peerAudience(v1), 10, { inlineMaxBytes: 0 }).kind).toBe("file-reference");
    expect(chooseAttachment(v1, peerAudience(v1), 10, { inlineMaxBytes: 10 }).kind).toBe("inline-attachment");
  });
});

describe("null options", () => {
  it("are read as no options, as undefined is, not a TypeError", () => {
    expect(chooseWriteVersion(v2, groupAudience([v1, v2]), null as never)).toEqual(chooseWriteVersion(v2, groupAudience([v1, v2])));
    expect(chooseAttachment(v2, peerAudience(v1), 10, null as never)).toEqual(chooseAttachment(v2, peerAudience(v1), 10));
  });
});

describe("isVersionRange", () => {
  it("answers false for what is not a range object (null, undefined, a number) instead of throwing", () => {
    for (const value of [null, undefined, 3, "1-3"]) expect(isVersionRange(value as never), String(value)).toBe(false);
    expect(isVersionRange({ min: 1, max: 3 })).toBe(true);
    expect(isVersionRange({ min: 3, max: 1 })).toBe(false);
  });
});
