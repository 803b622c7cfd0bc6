import { describe, expect, expectTypeOf, it } from "vitest";
import {
  AUDIENCE_LIMITS,
  chooseWriteVersion,
  communityAudience,
  FALLBACK_TEXT,
  groupAudience,
  NegotiationError,
  peerAudience,
  type NegotiatedPayloadKind,
  type VersionRange,
} from "../../src/negotiate/index.js";
import { profileFor } from "../../src/versions/index.js";
import type { PayloadKind } from "../../src/wire/messages.js";
import { exitCodeFor } from "../../src/cli/exit-codes.js";

const v1 = profileFor(1).window;
const v2 = profileFor(2).window;
const v3 = profileFor(3).window;

function negotiationError(fn: () => unknown): NegotiationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NegotiationError);
    return error as NegotiationError;
  }
  throw new Error("expected a NegotiationError, nothing was thrown");
}

describe("chooseWriteVersion: the project's release profiles", () => {
  it("profiles have the windows the rule is written for", () => {
    expect([v1, v2, v3]).toEqual([{ min: 1, max: 1 }, { min: 1, max: 2 }, { min: 2, max: 3 }]);
  });

  it("writes the highest version a known 1:1 peer reads", () => {
    expect(chooseWriteVersion(v3, peerAudience(v3))).toMatchObject({ version: 3, limitedBy: "writer", unreached: 0 });
    expect(chooseWriteVersion(v3, peerAudience(v2))).toMatchObject({ version: 2, limitedBy: "member" });
    expect(chooseWriteVersion(v2, peerAudience(v3))).toMatchObject({ version: 2, limitedBy: "writer" });
    expect(chooseWriteVersion(v2, peerAudience(v1))).toMatchObject({ version: 1, limitedBy: "member" });
  });

  it("assumes an unknown peer runs max-1, and never reaches below the writer's window", () => {
    expect(chooseWriteVersion(v3, peerAudience(undefined))).toMatchObject({ version: 2, unknown: 1, limitedBy: "unknown-members" });
    expect(chooseWriteVersion(v2, peerAudience(undefined))).toMatchObject({ version: 1, unknown: 1 });
    expect(chooseWriteVersion(v1, peerAudience(undefined))).toMatchObject({ version: 1, unknown: 1, limitedBy: "writer" });
    expect(chooseWriteVersion({ min: 3, max: 3 }, groupAudience([null, v3]))).toMatchObject({ version: 3, unreached: 0 });
  });

  it("lets known members win over the unknown-member assumption when they conflict", () => {
    // Unknown members are assumed at protocol 2 (window [1, 2]); a known member reads only 3: the
    // known one wins. The assumed members still open it: minReader is 2 (the wire's N+1 rule).
    const choice = chooseWriteVersion({ min: 1, max: 3 }, groupAudience([{ min: 3, max: 3 }, undefined, undefined]));
    expect(choice).toMatchObject({ version: 3, minReader: 2, unknown: 2, unreached: 0, limitedBy: "writer" });
  });

  it("refuses a peer two releases behind with E_PEER_TOO_OLD, saying how many and which versions", () => {
    const e = negotiationError(() => chooseWriteVersion(v3, peerAudience(v1)));
    expect(e.code).toBe("E_PEER_TOO_OLD");
    expect(e.layer).toBe("negotiate");
    expect(e.details).toMatchObject({ members: 1, tooOld: 1, tooOldVersions: [1], tooNew: 0, writer: { min: 2, max: 3 } });
    expect(e.message).toContain("protocol 1");
    expect(exitCodeFor(e)).toBe(3);
  });

  it("refuses a peer two releases ahead with E_PEER_TOO_NEW", () => {
    const e = negotiationError(() => chooseWriteVersion(v1, peerAudience(v3)));
    expect(e.code).toBe("E_PEER_TOO_NEW");
    expect(e.details).toMatchObject({ tooNew: 1, tooNewVersions: [2], tooOld: 0 });
  });

  it("counts every outsider of a large community and names their distinct versions", () => {
    const members: Array<VersionRange | undefined> = Array.from({ length: 10_000 }, (_, i) =>
      i % 1000 === 0 ? v1 : i % 7 === 0 ? undefined : v3,
    );
    const e = negotiationError(() => chooseWriteVersion(v3, communityAudience(members)));
    expect(e.code).toBe("E_PEER_TOO_OLD");
    expect(e.details).toMatchObject({ kind: "community", members: 10_000, tooOld: 10, tooOldVersions: [1] });
    expect(e.message).toMatch(/^10 of 10000 community members/);
  });

  it("reaches a split audience (v1 and v3 members under a v2 writer) with one version-2 envelope the v1 member opens as N+1", () => {
    expect(chooseWriteVersion(v2, groupAudience([v1, v3, v2]), { payload: "inline-attachment" })).toMatchObject({
      version: 2,
      minReader: 1,
      unreached: 0,
    });
  });

  it("reports a split audience as E_NO_COMMON_VERSION when the oldest member cannot read the payload kind at all", () => {
    const e = negotiationError(() => chooseWriteVersion(v2, groupAudience([v1, v3, v2]), { payload: "file-reference" }));
    expect(e.code).toBe("E_NO_COMMON_VERSION");
    expect(e.details).toMatchObject({ lowestMax: 1, highestMin: 2 });
  });
});

describe("chooseWriteVersion: the fallback policy for large audiences", () => {
  it("writes for the members it can reach and counts the rest as unreached", () => {
    const members = [...Array.from({ length: 98 }, () => v3), v1, v1];
    const choice = chooseWriteVersion(v3, communityAudience(members), { outsiders: "fallback", payload: "cd-pointer" });
    expect(choice).toMatchObject({ version: 3, unreached: 2, members: 100 });
  });

  it("picks the version reaching most known members in a split audience, ties to the higher", () => {
    // Version 2 with minReader 1: the v1 member opens it too (the wire reads N+1 envelopes), so nobody is left out.
    expect(chooseWriteVersion(v2, groupAudience([v1, v3]), { outsiders: "fallback" })).toMatchObject({ version: 2, minReader: 1, unreached: 0 });
    // Still version 2: both v1 members open it as N+1, and version 1 would lose the v3 member.
    expect(chooseWriteVersion(v2, groupAudience([v1, v1, v3]), { outsiders: "fallback" })).toMatchObject({ version: 2, unreached: 0 });
    // A file reference: v1 members cannot read the kind, so the policy maximises reach by windows.
    expect(
      chooseWriteVersion(v2, groupAudience([v1, v1, v3]), { outsiders: "fallback", payload: "file-reference" }),
    ).toMatchObject({ version: 2, unreached: 2 });
  });

  it("counts unknown members by the readers' rule too, so a tie among them goes to the higher version", () => {
    // A 0.2.0 writer, one member too new for it and one unknown (assumed at protocol 1): version 2
    // reaches the unknown member as version 1 does (a protocol 1 reader opens it as N+1), so 2 wins
    // the tie. Counting the unknown member only inside its window [1, 1] chose version 1.
    const tooNew = { min: 3, max: 4 };
    expect(chooseWriteVersion(v2, groupAudience([tooNew, undefined]), { outsiders: "fallback" })).toMatchObject({ version: 2, minReader: 1, unreached: 1, unknown: 1 });
    // A kind the assumed reader lacks reaches it at no version: still the highest of the tie.
    expect(chooseWriteVersion(v3, groupAudience([{ min: 4, max: 5 }, undefined]), { outsiders: "fallback", payload: "file-reference" })).toMatchObject({ version: 3, unreached: 1 });
    // Known members still come first: two protocol 1 members open versions 1 and 2 only, so not 3.
    const wide = { min: 1, max: 3 };
    expect(chooseWriteVersion(wide, groupAudience([v1, v1, { min: 5, max: 6 }, undefined]), { outsiders: "fallback" })).toMatchObject({ version: 2, unreached: 1 });
  });
});

describe("chooseWriteVersion: what old readers get", () => {
  it("sets minReader one version back, never below the payload kind's first version (the wire's rule)", () => {
    expect(chooseWriteVersion(v3, peerAudience(v3), { payload: "cd-pointer" })).toMatchObject({ version: 3, minReader: 2, unreached: 0 });
    expect(chooseWriteVersion(v3, peerAudience(v2), { payload: "file-reference" })).toMatchObject({ version: 2, minReader: 2 });
    expect(chooseWriteVersion(v2, peerAudience(v1), { payload: "inline-attachment" })).toMatchObject({
      version: 1,
      minReader: 1,
      unreached: 0,
      raisedForPayload: false,
      fallbackText: FALLBACK_TEXT["inline-attachment"],
    });
    expect(chooseWriteVersion(v3, peerAudience(v3))).toMatchObject({ version: 3, minReader: 2 });
  });

  it("raises the version to the kind's first version for an older audience, which then shows the fallback text", () => {
    // The v1 member and the unknown one (assumed at protocol 1) cannot open a file reference.
    const choice = chooseWriteVersion(v2, groupAudience([v1, v2, undefined]), { payload: "file-reference" });
    expect(choice).toMatchObject({
      version: 2,
      minReader: 2,
      raisedForPayload: true,
      unreached: 2,
      fallbackText: "Update Status to open this file.",
    });
  });

  it("refuses a payload kind newer than anything the writer writes", () => {
    const e = negotiationError(() => chooseWriteVersion(v1, peerAudience(v1), { payload: "cd-pointer" }));
    expect(e.code).toBe("E_PAYLOAD_NOT_WRITABLE");
    expect(e.details).toMatchObject({ since: 2, writer: { min: 1, max: 1 } });
  });

  it("has a fallback text for every payload kind the wire knows", () => {
    expectTypeOf<NegotiatedPayloadKind>().toEqualTypeOf<PayloadKind>();
    for (const text of Object.values(FALLBACK_TEXT)) expect(text).toMatch(/^Update Status to /);
  });

  it("refuses an unknown payload kind", () => {
    const e = negotiationError(() => chooseWriteVersion(v3, peerAudience(v3), { payload: "video" as NegotiatedPayloadKind }));
    expect(e.code).toBe("E_PAYLOAD_KIND_UNKNOWN");
  });
});

describe("chooseWriteVersion: malformed input", () => {
  it("enforces the audience size limits: group 20, community 10,000", () => {
    expect(AUDIENCE_LIMITS).toEqual({ peer: 1, group: 20, community: 10_000 });
    expect(chooseWriteVersion(v3, groupAudience(Array.from({ length: 20 }, () => v3))).version).toBe(3);
    expect(negotiationError(() => chooseWriteVersion(v3, groupAudience(Array.from({ length: 21 }, () => v3)))).code).toBe(
      "E_AUDIENCE_TOO_LARGE",
    );
    expect(chooseWriteVersion(v3, communityAudience(Array.from({ length: 10_000 }, () => v3))).members).toBe(10_000);
    const big = negotiationError(() => chooseWriteVersion(v3, communityAudience(new Array<undefined>(10_001))));
    expect(big.code).toBe("E_AUDIENCE_TOO_LARGE");
    expect(big.details).toMatchObject({ members: 10_001, limit: 10_000 });
  });

  it("requires exactly one member for a 1:1 peer and a known audience kind", () => {
    expect(negotiationError(() => chooseWriteVersion(v3, { kind: "peer", members: [] })).code).toBe("E_AUDIENCE_INVALID");
    expect(negotiationError(() => chooseWriteVersion(v3, { kind: "peer", members: [v3, v3] })).code).toBe("E_AUDIENCE_INVALID");
    expect(negotiationError(() => chooseWriteVersion(v3, { kind: "channel", members: [] } as never)).code).toBe("E_AUDIENCE_INVALID");
    expect(negotiationError(() => chooseWriteVersion(v3, null as never)).code).toBe("E_AUDIENCE_INVALID");
    expect(negotiationError(() => chooseWriteVersion(v3, { kind: "group", members: "v3" } as never)).code).toBe("E_AUDIENCE_INVALID");
  });

  it("refuses malformed ranges for the writer and for a member, naming which", () => {
    const bad: unknown[] = [{ min: 3, max: 2 }, { min: 0, max: 1 }, { min: 1.5, max: 2 }, { min: 1, max: Number.NaN }, { min: 1, max: 2 ** 32 }, 7, "x"];
    for (const range of bad) {
      expect(negotiationError(() => chooseWriteVersion(range as VersionRange, peerAudience(v3))).code).toBe("E_RANGE_INVALID");
      const e = negotiationError(() => chooseWriteVersion(v3, groupAudience([v3, range as VersionRange])));
      expect(e.code).toBe("E_RANGE_INVALID");
      expect(e.message).toContain("group member #1");
    }
  });

  it("allows an empty group or community: the writer's own max", () => {
    expect(chooseWriteVersion(v3, groupAudience([]))).toMatchObject({ version: 3, members: 0, limitedBy: "writer" });
  });
});
