import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chooseAttachment, chooseWriteVersion, communityAudience, firstReaderOf, groupAudience, isVersionRange, NegotiationError, peerAudience } from "../../src/negotiate/index.js";
import { profileFor, ReleaseTable, releaseTable } from "../../src/versions/index.js";

const v1 = profileFor(1).window;
const v2 = profileFor(2).window;
const v3 = profileFor(3).window;

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
      // Named as the option it is (the message said "inline limit NaN is not a byte count").
      expect((err as NegotiationError).message).toContain("inlineMaxBytes must be a whole number of bytes, 0 or more");
      expect((err as NegotiationError).message).toContain(`not ${String(inlineMaxBytes)}`);
    }
    expect((thrown(() => chooseAttachment(v1, peerAudience(v1), 10, { inlineMaxBytes: "1000" } as never)) as Error).message).toContain('inlineMaxBytes must be a whole number of bytes, 0 or more (above 102400, Infinity included: 102400), not the string "1000"');
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

describe("options outside their set (an app's settings file, where TypeScript checks nothing)", () => {
  /** What a call threw, checked to be `type` with a message naming every word of `named`. */
  function refusal(fn: () => unknown, type: typeof TypeError | typeof RangeError, named: string[]): void {
    const err = thrown(fn);
    expect(err, String(err)).toBeInstanceOf(type);
    expect(err).not.toBeInstanceOf(NegotiationError);
    for (const word of named) expect((err as Error).message).toContain(word);
  }

  it("refuses an outsiders value that is not reject or fallback (RangeError naming it, its value and both), instead of rejecting", () => {
    // A 0.2.0 writer, a community with one 0.3.0-only member: "fallbak" used to throw E_PEER_TOO_NEW as "reject" does.
    const stale = communityAudience([v2, v2, { min: 3, max: 3 }]);
    for (const outsiders of ["fallbak", "Fallback", "", null, true, 1]) {
      refusal(() => chooseWriteVersion(v2, stale, { outsiders } as never), RangeError, ["chooseWriteVersion", "outsiders", '"reject"', '"fallback"']);
      refusal(() => chooseAttachment(v2, stale, 10, { outsiders } as never), RangeError, ["chooseAttachment", "outsiders"]);
    }
    refusal(() => chooseWriteVersion(v2, stale, { outsiders: "fallbak" } as never), RangeError, ['"fallbak"']);
    // Refused even where it would have changed nothing (everyone in the window): the mistake is in the settings, not the audience.
    refusal(() => chooseWriteVersion(v3, groupAudience([v3]), { outsiders: "fallbak" } as never), RangeError, ["outsiders"]);
    // The two accepted values still behave as before.
    expect(chooseWriteVersion(v2, stale, { outsiders: "fallback" })).toMatchObject({ version: 2, unreached: 1 });
    expect((thrown(() => chooseWriteVersion(v2, stale, { outsiders: "reject" })) as NegotiationError).code).toBe("E_PEER_TOO_NEW");
  });

  it("refuses a table that is not a ReleaseTable (TypeError naming the option and what to pass), with or without a payload", () => {
    const json: unknown = JSON.parse(readFileSync(new URL("../../src/versions/releases.json", import.meta.url), "utf8"));
    for (const table of [{}, json, [], "releases.json", null]) {
      // With a payload this was a TypeError from inside firstReaderOf; without one the table was ignored.
      refusal(() => chooseWriteVersion(v3, peerAudience(v2), { payload: "file-reference", table } as never), TypeError, ["chooseWriteVersion", "table", "ReleaseTable"]);
      refusal(() => chooseWriteVersion(v3, peerAudience(v2), { table } as never), TypeError, ["table", "ReleaseTable"]);
      refusal(() => chooseAttachment(v3, peerAudience(v2), 10, { table } as never), TypeError, ["chooseAttachment", "table", "ReleaseTable"]);
    }
    refusal(() => chooseWriteVersion(v3, peerAudience(v2), { table: json } as never), TypeError, ["an object with keys"]);
    // A table made from that JSON is what to pass.
    const table = new ReleaseTable(json);
    expect(chooseWriteVersion(v3, peerAudience(v2), { payload: "file-reference", table })).toEqual(chooseWriteVersion(v3, peerAudience(v2), { payload: "file-reference" }));
    expect(chooseAttachment(v3, peerAudience(v2), 10, { table }).kind).toBe("file-reference");
  });

  it("refuses a key neither entry point has (TypeError naming it and the options there are), instead of ignoring it", () => {
    // "outsider" used to leave the policy at reject; chooseAttachment ignored a caller's payload (it chooses one itself).
    refusal(() => chooseWriteVersion(v2, groupAudience([v2, v3]), { outsider: "fallback" } as never), TypeError, ['"outsider"', "payload, outsiders, table"]);
    refusal(() => chooseWriteVersion(v2, groupAudience([v2]), { inlineMaxBytes: 10 } as never), TypeError, ['"inlineMaxBytes"']);
    refusal(() => chooseAttachment(v2, peerAudience(v1), 10, { payload: "inline-attachment" } as never), TypeError, ['"payload"', "inlineMaxBytes, outsiders, table"]);
    refusal(() => chooseAttachment(v2, peerAudience(v1), 10, JSON.parse('{"__proto__": {}}') as never), TypeError, ['"__proto__"']);
    // A key misspelt is a mistake whatever its value.
    refusal(() => chooseWriteVersion(v2, groupAudience([v2]), { Outsiders: undefined } as never), TypeError, ['"Outsiders"']);
  });

  it("refuses options that are not an object (a bare policy string, an array) instead of reading no options", () => {
    for (const options of ["fallback", 1, true, ["fallback"], () => ({})]) {
      refusal(() => chooseWriteVersion(v2, groupAudience([v2]), options as never), TypeError, ["chooseWriteVersion options must be an object"]);
      refusal(() => chooseAttachment(v2, peerAudience(v1), 10, options as never), TypeError, ["chooseAttachment options must be an object"]);
    }
  });
});

describe("a malformed member range (the app's own record: the wire never yields one)", () => {
  it("is E_RANGE_INVALID under either policy, naming the member by index and saying to pass null, which then counts as unknown", () => {
    const members = [v2, v2, { min: 0 } as never, v2];
    for (const outsiders of ["reject", "fallback"] as const) {
      const err = thrown(() => chooseWriteVersion(v2, communityAudience(members), { outsiders, payload: "file-reference" }));
      expect(err, `${outsiders}: ${String(err)}`).toBeInstanceOf(NegotiationError);
      expect((err as NegotiationError).code).toBe("E_RANGE_INVALID");
      expect((err as NegotiationError).details).toMatchObject({ what: "community member #2", member: 2 });
      expect((err as NegotiationError).message).toContain("pass null");
    }
    // The app's way to send without that member's record: null, an unknown member (assumed to run
    // protocol 1 under a 0.2.0 writer, so it does not read a FileReference: unreached).
    const sent = chooseWriteVersion(v2, communityAudience(members.map((m) => (isVersionRange(m) ? m : null))), { outsiders: "fallback", payload: "file-reference" });
    expect(sent).toMatchObject({ version: 2, members: 4, unknown: 1, unreached: 1 });
    // The writer's own range is not a member: no index.
    expect((thrown(() => chooseWriteVersion({ min: 0, max: 2 }, groupAudience([v2]))) as NegotiationError).details).toEqual({ what: "the writer" });
  });
});

describe("firstReaderOf's arguments (exported, so an app's as well as chooseWriteVersion's)", () => {
  it("refuses a kind negotiation does not know (E_PAYLOAD_KIND_UNKNOWN) and a table that is not a ReleaseTable (TypeError naming it)", () => {
    // "video" used to be answered newest + 1 (a kind nobody reads) and cached under the table; "toString" too.
    for (const kind of ["video", "toString", "__proto__", ""]) {
      const err = thrown(() => firstReaderOf(kind as never, releaseTable));
      expect(err, `${kind}: ${String(err)}`).toBeInstanceOf(NegotiationError);
      expect((err as NegotiationError).code).toBe("E_PAYLOAD_KIND_UNKNOWN");
    }
    const json: unknown = JSON.parse(readFileSync(new URL("../../src/versions/releases.json", import.meta.url), "utf8"));
    for (const table of [{}, json, undefined]) {
      const err = thrown(() => firstReaderOf("file-reference", table as never));
      expect(err, String(err)).toBeInstanceOf(TypeError);
      expect((err as Error).message).toContain("firstReaderOf table must be a ReleaseTable");
    }
    expect(firstReaderOf("file-reference", releaseTable)).toBe(2);
    expect(firstReaderOf("inline-attachment", new ReleaseTable(json))).toBe(1);
  });
});
