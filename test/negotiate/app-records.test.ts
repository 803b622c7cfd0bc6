/**
 * What an app hands negotiation comes from its own records (a database row, a settings file, JSON),
 * typed `unknown` until checked. docs/wire.md says to check each with isVersionRange and pass `null`
 * for the rest; that, and a peer stored as SQL NULL, must compile without a cast. Before,
 * isVersionRange took a VersionRange and said only boolean (the documented map did not compile on
 * an `unknown`, and its answer narrowed nothing), and peerAudience refused `null`, which
 * groupAudience and communityAudience take as an unknown member.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { chooseWriteVersion, groupAudience, isVersionRange, NegotiationError, peerAudience, type VersionRange } from "../../src/negotiate/index.js";
import { profileFor } from "../../src/versions/index.js";
import { thrown } from "../support/thrown.js";

const writer = profileFor(3).window;

describe("an app's stored member ranges", () => {
  it("narrow with isVersionRange, as docs/wire.md maps them: a malformed record becomes an unknown member", () => {
    const stored: unknown[] = JSON.parse('[{"min":2,"max":3},{"min":2,"max":2},{"min":"2","max":3},null,7,{"min":0,"max":1}]');
    const members = stored.map((m) => (isVersionRange(m) ? m : null));
    expectTypeOf(members).toEqualTypeOf<(VersionRange | null)[]>();
    expect(members.filter((m) => m === null)).toHaveLength(4);
    expect(chooseWriteVersion(writer, groupAudience(members))).toMatchObject({ version: 2, members: 6, unknown: 4, limitedBy: "member" });
  });

  it("isVersionRange answers for any value, never throws", () => {
    for (const value of [undefined, null, 3, "2..3", [2, 3], { min: 2 }, { min: 2, max: 3.5 }, { min: 3, max: 2 }]) {
      expect(isVersionRange(value), JSON.stringify(value)).toBe(false);
    }
    expect(isVersionRange({ min: 1, max: 1 })).toBe(true);
  });

  it("a 1:1 peer stored as null is an unknown peer, as undefined is", () => {
    const row: { range: VersionRange | null } = { range: null };
    const fromNull = chooseWriteVersion(writer, peerAudience(row.range), { payload: "file-reference" });
    expect(fromNull).toEqual(chooseWriteVersion(writer, peerAudience(undefined), { payload: "file-reference" }));
    expect(fromNull).toMatchObject({ version: 2, unknown: 1, limitedBy: "unknown-members" });
  });
});

describe("a sender's capabilities passed as a member's range", () => {
  it("E_RANGE_INVALID saying how to make the range of them, not only [undefined, undefined]", () => {
    const sender = { minVersion: 2, maxVersion: 3, features: [] };
    for (const run of [
      () => chooseWriteVersion(writer, groupAudience([profileFor(3).window, sender as never])),
      () => chooseWriteVersion(writer, peerAudience(sender as never)),
    ]) {
      const error = thrown(run);
      expect(error, String(error)).toBeInstanceOf(NegotiationError);
      expect((error as NegotiationError).code).toBe("E_RANGE_INVALID");
      expect((error as NegotiationError).message).toContain("a sender's Capabilities: pass { min: sender.minVersion, max: sender.maxVersion }");
    }
  });
});
